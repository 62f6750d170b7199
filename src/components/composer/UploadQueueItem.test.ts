// The "resumable" hint: a file large enough to go up through tus tells the person, while it is on its
// way up, that a dropped connection costs nothing. The size it starts at is the queue's own setting.
import { afterEach, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import UploadQueueItem from './UploadQueueItem.vue'
import { createAppI18n } from '@/i18n'
import { QUEUE_SETTINGS, type QueueItem } from '@/stores/uploads'
import { newQueueItem } from '@/stores/uploads/queue-item'

const saved = QUEUE_SETTINGS.resumableAboveBytes
afterEach(() => {
  QUEUE_SETTINGS.resumableAboveBytes = saved
})

function mountItem(size: number, status: QueueItem['status']) {
  const item: QueueItem = { ...newQueueItem(new File(['x'], 'site.pdf', { type: 'application/pdf' }), false), size, status }
  return mount(UploadQueueItem, {
    props: { item, first: true, last: true, locked: false },
    global: { plugins: [createAppI18n('zh-CN')] },
  })
}

it('shows the resumable hint only above the queue setting, and only while the file is on its way up', () => {
  QUEUE_SETTINGS.resumableAboveBytes = 1000
  expect(mountItem(1001, 'uploading').find('[data-testid="resumable-hint"]').exists()).toBe(true)
  expect(mountItem(1001, 'ready').find('[data-testid="resumable-hint"]').exists()).toBe(true)
  expect(mountItem(1000, 'uploading').find('[data-testid="resumable-hint"]').exists()).toBe(false)
  expect(mountItem(1001, 'uploaded').find('[data-testid="resumable-hint"]').exists()).toBe(false)
})
