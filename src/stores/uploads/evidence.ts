/**
 * "Stamp as evidence" and "place" for the batch (docs/evidence.md#the-h5-side): the person's
 * choices (remembered on the device; the stamp's default is the organisation's `config.evidence`),
 * the device's code pool for the signed-in person, and the stage that stamps photos. The store
 * wires this in; components read the refs through the store.
 */
import { computed, ref, watch, type Ref } from 'vue'
import type { ConfigResponse } from '@contract/api'
import { evidenceRegisterCsvUrl, requestEvidenceCodes } from '@/api/evidence'
import { loadEvidencePlace, loadEvidenceStamp, saveEvidencePlace, saveEvidenceStamp } from '@/lib/device-settings'
import { useSessionStore } from '@/stores/session'
import { createCodePool, type CodePoolStorage } from './evidence-codes'
import { ENGLISH_STAMP_WORDS, type StampWords } from './evidence-lines'
import { createEvidenceStage } from './evidence-stage'
import type { ItemEvidence, QueueItem, TargetDocument } from './queue-item'

export interface EvidenceDeps {
  find(id: string): QueueItem | undefined
  document: () => TargetDocument | null
  online: Readonly<Ref<boolean>>
  persist(): Promise<void>
  /** Draws the item's layers again from its kept prepared photo (composing.ts). */
  recompose(id: string): Promise<void>
  /** Where the pool is kept (IndexedDB unless a test says otherwise). */
  poolStorage?: CodePoolStorage
}

export function createEvidence(deps: EvidenceDeps) {
  const config = ref<ConfigResponse['evidence']>({ available: false, default: false })
  const stampChoice = ref<boolean | null>(loadEvidenceStamp())
  const placeOn = ref(loadEvidencePlace())
  const placeText = ref('')
  let words: StampWords = ENGLISH_STAMP_WORDS

  /** Stamping applies to the photos picked next. */
  const stampOn = computed(() => config.value.available && (stampChoice.value ?? config.value.default))
  const pool = createCodePool({
    fetchCodes: requestEvidenceCodes,
    online: deps.online,
    ...(deps.poolStorage ? { storage: deps.poolStorage } : {}),
  })
  watch(stampOn, (on) => (pool.wanted.value = on), { immediate: true })

  const stage = createEvidenceStage({
    find: deps.find,
    pool,
    persist: deps.persist,
    context: () => ({
      documentName: deps.document()?.name ?? '',
      personName: useSessionStore().user?.name ?? '',
      origin: location.origin,
    }),
    words: () => words,
  })

  function setStamp(on: boolean): void {
    stampChoice.value = on
    saveEvidenceStamp(on)
  }

  function setPlace(on: boolean): void {
    placeOn.value = on
    saveEvidencePlace(on)
  }

  return {
    pool,
    stage,
    /** What the uploads store hands to components, under these names. */
    exposed: {
      /** `config.evidence`: whether the server offers stamping and the organisation's default. */
      evidenceConfig: config,
      /** Photos picked next get the evidence stamp (docs/evidence.md#the-h5-side). */
      stampOn,
      placeOn,
      placeText,
      codesOnDevice: pool.size,
      setEvidenceStamp: setStamp,
      setEvidencePlace: setPlace,
      setEvidencePlaceText: (text: string) => void (placeText.value = text),
      /** The page's wording of the stamp's lines. */
      setStampWords: (next: StampWords) => void (words = next),
      /** The document's evidence register as CSV (a link the composer offers). */
      evidenceRegisterUrl: evidenceRegisterCsvUrl,
    },
    applyConfig(cfg: ConfigResponse): void {
      config.value = cfg.evidence
    },
    /**
     * What a pick carries when stamping is on; whether it is a photo is known once it is prepared
     * (the webview's types lie), and files then drop it (evidence-stage.ts `wants`).
     */
    forPick(): ItemEvidence | null {
      if (!stampOn.value) return null
      const place = placeOn.value && placeText.value.trim() ? placeText.value.trim() : null
      return { pickedAt: Date.now(), place, claim: null, waiting: false }
    },
    /** A refused code: a fresh code, and the stamp drawn again from the kept prepared photo (new bytes, new hash). */
    async restamp(id: string): Promise<void> {
      await stage.reclaim(id)
      await deps.recompose(id)
    },
  }
}
