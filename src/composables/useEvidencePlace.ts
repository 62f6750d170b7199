import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { getJsapiConfig } from '@/api/evidence'
import { loadPlaceConsent, savePlaceConsent } from '@/lib/device-settings'
import { formatCoordinates, getPlatform } from '@/platform'
import { useUploadsStore } from '@/stores/uploads'

/**
 * The stamp's "place" (docs/evidence.md#the-h5-side): turned on only by the person, after a
 * one-time confirmation that the place is shown on the photo and kept in the record. The place is
 * DingTalk's reverse-geocoded address (or the browser's coordinates) and stays editable.
 */
export function useEvidencePlace() {
  const { t } = useI18n()
  const uploads = useUploadsStore()
  const locating = ref(false)
  const failed = ref(false)
  /** Android DingTalk said the position is simulated (shown, not hidden). */
  const mock = ref(false)

  async function locate(): Promise<void> {
    locating.value = true
    failed.value = false
    try {
      const fix = await getPlatform().locate((url) => getJsapiConfig(url))
      mock.value = fix.isFromMock
      // The person may have typed meanwhile: their text wins.
      if (!uploads.placeText.trim()) uploads.setEvidencePlaceText(fix.address ?? formatCoordinates(fix))
    } catch {
      failed.value = true
    } finally {
      locating.value = false
    }
  }

  /** The "place" switch: asks once before the first use; cancelling leaves it off. */
  async function setPlace(on: boolean): Promise<void> {
    if (!on) {
      uploads.setEvidencePlace(false)
      return
    }
    if (!loadPlaceConsent()) {
      const ok = await getPlatform().confirm({
        title: t('upload.evidence.placeConfirmTitle'),
        message: t('upload.evidence.placeConfirm'),
        ok: t('upload.evidence.placeConfirmOk'),
        cancel: t('upload.evidence.placeConfirmCancel'),
      })
      if (!ok) return
      savePlaceConsent()
    }
    uploads.setEvidencePlace(true)
    await locate()
  }

  return { locating, failed, mock, setPlace, locate }
}
