/**
 * DingTalk's navigation bar, back action, app lifecycle and native notifications
 * (docs/dingtalk.md#navigation), through dingtalk-jsapi's `entry/union` plus one per-API module for
 * each call, all loaded on first use. Every call is timeout-wrapped and every failure has a fallback:
 * the document title, DingTalk's own back behaviour, Vant's toast and dialog.
 */
import { pickFunction, withTimeout } from './bridge-call'
import { PlatformError, type ConfirmQuestion, type Platform, type ToastKind } from './types'
import { vantConfirm, vantToast } from './vant-notify'

type ApiFn = (params: Record<string, unknown>) => Promise<unknown>
type EventHandler = (event: Event) => void

/** The part of the SDK core this module uses: DingTalk's event channel (lib/sdk/sdkLib.d.ts). */
interface SdkCore {
  on(type: string, handler: EventHandler): void
  off(type: string, handler: EventHandler): void
}

interface ShellApis {
  core: SdkCore
  setTitle: ApiFn
  setLeft: ApiFn
  close: ApiFn
  toast: ApiFn
  confirm: ApiFn
}

/** A person takes a while to answer a question; a bridge that says nothing for this long is not coming back. */
export const CONFIRM_TIMEOUT_MS = 120_000

function pickCore(mod: unknown): SdkCore {
  const candidates = [mod, (mod as { default?: unknown } | null)?.default]
  const core = candidates.find((c): c is SdkCore => typeof (c as SdkCore | null)?.on === 'function')
  if (!core) throw new PlatformError('failed', 'dingtalk-jsapi core without on()')
  return core
}

let apisPromise: Promise<ShellApis> | null = null

function loadApis(): Promise<ShellApis> {
  apisPromise ??= (async () => {
    // entry/union registers the platform bridges (pc + android + ios + harmony); it must come first.
    const coreMod: unknown = await import('dingtalk-jsapi/entry/union')
    const [setTitle, setLeft, close, toast, confirm] = await Promise.all([
      import('dingtalk-jsapi/api/biz/navigation/setTitle'),
      import('dingtalk-jsapi/api/biz/navigation/setLeft'),
      import('dingtalk-jsapi/api/biz/navigation/close'),
      import('dingtalk-jsapi/api/device/notification/toast'),
      import('dingtalk-jsapi/api/device/notification/confirm'),
    ])
    return {
      core: pickCore(coreMod),
      setTitle: pickFunction<ApiFn>(setTitle, 'setTitle$'),
      setLeft: pickFunction<ApiFn>(setLeft, 'setLeft$'),
      close: pickFunction<ApiFn>(close, 'close$'),
      toast: pickFunction<ApiFn>(toast, 'toast$'),
      confirm: pickFunction<ApiFn>(confirm, 'confirm$'),
    }
  })().catch((error: unknown) => {
    apisPromise = null // a failed chunk load may succeed on retry
    throw error instanceof PlatformError ? error : new PlatformError('failed', 'Could not load dingtalk-jsapi')
  })
  return apisPromise
}

/** One bridge call, SDK loading included in its time budget. */
function call(name: Exclude<keyof ShellApis, 'core'>, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
  const apiName = name === 'toast' || name === 'confirm' ? `device.notification.${name}` : `biz.navigation.${name}`
  return withTimeout(
    loadApis().then((apis) => apis[name](params)),
    timeoutMs,
    apiName,
  )
}

/** Listens to a DingTalk event (dd.on) once the SDK is loaded; returns the release. */
function listen(type: string, handler: EventHandler): () => void {
  let released = false
  let core: SdkCore | null = null
  void loadApis().then(
    (apis) => {
      if (released) return
      core = apis.core
      core.on(type, handler)
    },
    () => undefined, // without the SDK there is no DingTalk event to miss
  )
  return () => {
    released = true
    core?.off(type, handler)
  }
}

type ShellPart = Pick<Platform, 'setTitle' | 'onBack' | 'onResume' | 'onPause' | 'close' | 'toast' | 'confirm'>

/** The DingTalk side of the Platform's shell methods, each call limited to `timeoutMs`. */
export function dingTalkShell(timeoutMs: number): ShellPart {
  return {
    async setTitle(title: string) {
      // The tab title too: DingTalk PC's window and the task switcher read document.title.
      document.title = title
      await call('setTitle', { title }, timeoutMs).catch(() => undefined)
    },

    onBack(handler: () => void) {
      let active = true
      // Android's hardware back arrives as the `backbutton` event; preventDefault keeps DingTalk
      // from going back in history or closing the page by itself (docs/dingtalk.md#back).
      const releaseButton = listen('backbutton', (event) => {
        // A DOM event from the container; dingtalk-jsapi's mock passes a plain object.
        if (typeof event?.preventDefault === 'function') event.preventDefault()
        if (active) handler()
      })
      // The navigation bar's back (iOS, PC, and Android's top-left arrow with `android: true`): with
      // `control: true` a tap calls onSuccess instead of leaving. The call's own promise settles on
      // the first tap at the earliest, so it is not awaited; a rejection means the client cannot
      // hand back over, and its own back stays in charge (the fallback).
      void loadApis()
        .then((apis) =>
          apis.setLeft({
            control: true,
            android: true,
            text: '',
            onSuccess: () => {
              if (active) handler()
            },
          }),
        )
        .catch(() => undefined)
      return () => {
        active = false
        releaseButton()
      }
    },

    onResume(handler: () => void) {
      return listen('resume', () => handler())
    },

    onPause(handler: () => void) {
      return listen('pause', () => handler())
    },

    async close() {
      await call('close', {}, timeoutMs)
    },

    async toast(text: string, kind: ToastKind = 'info') {
      const icon = kind === 'info' ? undefined : kind
      try {
        await call('toast', { text, duration: 2, ...(icon ? { icon } : {}) }, timeoutMs)
      } catch {
        await vantToast(text, kind)
      }
    },

    async confirm(question: ConfirmQuestion) {
      try {
        const result = await call(
          'confirm',
          { title: question.title, message: question.message, buttonLabels: [question.ok, question.cancel] },
          CONFIRM_TIMEOUT_MS,
        )
        return (result as { buttonIndex?: unknown } | null)?.buttonIndex === 0
      } catch (error) {
        // Silence for two minutes: the dialog may still be up, so do not stack a second one; "no" keeps everything as it is.
        if (error instanceof PlatformError && error.code === 'timeout') return false
        return vantConfirm(question)
      }
    },
  }
}
