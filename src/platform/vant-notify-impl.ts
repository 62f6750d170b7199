/** Vant's toast and dialog with their CSS, as one lazily loaded chunk (see vant-notify.ts). */
import 'vant/es/style/base.css'
import 'vant/es/overlay/index.css'
import 'vant/es/popup/index.css'
import 'vant/es/toast/index.css'
import 'vant/es/button/index.css'
import 'vant/es/action-bar/index.css'
import 'vant/es/action-bar-button/index.css'
import 'vant/es/dialog/index.css'

export { showToast } from 'vant/es/toast'
export { showConfirmDialog } from 'vant/es/dialog'
