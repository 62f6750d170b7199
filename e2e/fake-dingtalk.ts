// Fake DingTalk clients (Android, iOS, PC) for the browser tests, each standing in at exactly the seam
// dingtalk-jsapi's own bridge uses for that client (docs/dingtalk.md#faked-bridges), so the app's real
// dingtalk-jsapi code runs unchanged. The test drives the container through `window.__fakeDingTalk`
// (see FakeDingTalkHandle and the helpers at the end of this file).
import type { Page } from 'playwright-core'

export type DingTalkClient = 'android' | 'ios' | 'pc'

/**
 * dingtalk-jsapi's getENV() (lib/env.js): Android = `Android` + `DingTalk` in the UA, version from
 * `AliApp(DingTalk/x.y.z)`; iOS = `iPhone|iPad|iPod|iOS` + `DingTalk`; PC = `window.name` JSON with a
 * `containerId` (the UA's `DingTalk(x)` only supplies the version).
 */
export const DINGTALK_USER_AGENTS: Record<DingTalkClient, string> = {
  android:
    'Mozilla/5.0 (Linux; U; Android 14; zh-CN; Pixel 8 Build/UQ1A.240205.004) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/156.0.0.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/12345 ' +
    'Channel/227200 language/zh-CN abi/64 UT4Aplus/0.2.25 colorScheme/light DingTalk/7.6.0',
  ios:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ' +
    'AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/12345 Channel/201200 language/zh-Hans-CN UT4Aplus/0.0.6 WK',
  pc:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 ' +
    'DingTalk(7.6.0) nw Channel/201200 language/zh-CN',
}

/**
 * The PC client's bridge (lib/packages/frame-talk-client-pc) only talks to a `hostOrigin` ending in
 * `.dingtalk.com` and only believes answers from it; a top-level page posts to itself. So the PC page is
 * opened on this host name, which Chromium maps to the test server (CHROMIUM_ARGS in browser.ts).
 */
export const DINGTALK_PC_HOST = 'h5.dingtalk.com'

/** The app's URL as the PC client opens it: the same server under DINGTALK_PC_HOST. */
export function pcAppUrl(appUrl: string): string {
  const url = new URL(appUrl)
  url.hostname = DINGTALK_PC_HOST
  return url.origin
}

/** What the fake bridge was asked (params without callbacks). */
export interface FakeBridgeCall {
  service: string
  action: string
  params: Record<string, unknown>
}

/** What a test reads from `window.__fakeDingTalk`. */
export interface FakeDingTalkState {
  calls: FakeBridgeCall[]
  openedLinks: string[]
  closed: boolean
  /** Messages of confirm dialogs shown and not yet answered. */
  pendingConfirms: string[]
  /** The last `dd.config` (JSAPI authentication): whether its signature matched the emulator's ticket. */
  jsapiConfig: { verified: boolean; url: string } | null
}

/**
 * Where the fake client says the phone is (`device.geolocation.get`): the same place as
 * testing/fake-platform.ts's FAKE_PLACE, with DingTalk's reverse-geocoded address. Inlined in the
 * client script because that script is serialised into the page.
 */
export const FAKE_DINGTALK_ADDRESS = '浙江省杭州市西湖区文三路 90 号'

/**
 * Installed with `context.addInitScript(fakeDingTalkClient, client)` before any page script. Must be
 * self-contained (it is serialised into the page). Auth codes come from Node through the exposed
 * binding `__e2eAuthCode(corpId)`.
 */
export function fakeDingTalkClient(client: DingTalkClient): void {
  type Respond = (ok: boolean, body: unknown) => void
  const w = window as unknown as Record<string, unknown> & {
    __e2eAuthCode: (corpId: string) => Promise<string>
    __e2eVerifyJsapi?: (params: Record<string, unknown>, url: string) => Promise<boolean>
  }
  const state = {
    calls: [] as Array<{ service: string; action: string; params: Record<string, unknown> }>,
    openedLinks: [] as string[],
    closed: false,
    pendingConfirms: [] as string[],
    jsapiConfig: null as { verified: boolean; url: string } | null,
  }
  /** The page passed JSAPI authentication (a dd.config whose signature verified). */
  let authenticated = false
  /** Taps on the navigation bar's back button go here (set by biz.navigation.setLeft with control). */
  let navBack: (() => void) | null = null
  const confirmAnswers: Array<(buttonIndex: number) => void> = []
  /** Container events (resume, pause) for the PC channel; mobile ones are document events. */
  let emitPcEvent: ((name: string) => void) | null = null

  const plain = (params: unknown): Record<string, unknown> =>
    JSON.parse(JSON.stringify(params ?? {}, (_key, value: unknown) => (typeof value === 'function' ? undefined : value))) as Record<
      string,
      unknown
    >

  /** One JSAPI call, as every client answers it; `takeOverBack` makes nav-bar back taps reach the page. */
  function handle(name: string, params: Record<string, unknown>, respond: Respond, takeOverBack: () => void): void {
    const dot = name.lastIndexOf('.')
    state.calls.push({ service: name.slice(0, dot), action: name.slice(dot + 1), params: plain(params) })
    switch (name) {
      case 'runtime.permission.requestAuthCode':
      case 'runtime.permission.requestAuthCodeV2':
        w.__e2eAuthCode(String(params.corpId ?? '')).then(
          (code) => respond(true, { code }),
          (e: unknown) => respond(false, { errorCode: '3', errorMessage: String(e) }),
        )
        return
      case 'runtime.permission.requestJsApis': // dd.config on Android and iOS (platform/android.js authMethod)
      case 'config': {
        // dd.config on PC. The signature is sha1 over the emulator's jsapi ticket and this page's URL
        // (docs/dingtalk.md#jsapi-signature); Node checks it against /__emulator/jsapi-ticket.
        const url = location.href.split('#')[0] ?? location.href
        const verify = w.__e2eVerifyJsapi ?? (() => Promise.resolve(false))
        verify(plain(params), url).then(
          (verified) => {
            state.jsapiConfig = { verified, url }
            authenticated = verified
            if (verified) respond(true, {})
            else respond(false, { errorCode: '3', errorMessage: 'jsapi signature check failed' })
          },
          (e: unknown) => respond(false, { errorCode: '3', errorMessage: String(e) }),
        )
        return
      }
      case 'device.geolocation.get':
        // DingTalk refuses location to a page that did not pass dd.config (errorCode 3, "no permission").
        if (!authenticated) return respond(false, { errorCode: '3', errorMessage: 'fake client: dd.config first' })
        return respond(true, {
          longitude: 120.15515,
          latitude: 30.27415,
          accuracy: 25,
          address: '浙江省杭州市西湖区文三路 90 号',
          province: '浙江省',
          city: '杭州市',
          district: '西湖区',
          road: '文三路',
          netType: 'wifi',
          operatorType: 'CMCC',
          ...(client === 'android'
            ? { isFromMock: false, isGpsEnabled: true, isWifiEnabled: true, isMobileEnabled: true, provider: 'gps' }
            : {}),
        })
      case 'biz.util.openLink':
        state.openedLinks.push(String(params.url))
        return respond(true, {})
      case 'biz.navigation.setLeft':
        // With control the client answers each tap of its back button (not the registration).
        if (params.control === true) takeOverBack()
        else navBack = null
        return
      case 'biz.navigation.close':
        state.closed = true
        return respond(true, {})
      case 'device.notification.confirm':
        state.pendingConfirms.push(String(params.message ?? ''))
        confirmAnswers.push((buttonIndex) => respond(true, { buttonIndex }))
        return
      case 'biz.navigation.setTitle':
      case 'biz.navigation.setRight':
      case 'biz.util.setScreenKeepOn':
      case 'device.notification.toast':
      case 'ui.webViewBounce.disable':
        return respond(true, {})
      default:
        // DingTalk answers an API it does not have with errorCode 1 ("not exist", ERROR_CODE in lib/sdk/sdkLib.d.ts).
        respond(false, { errorCode: '1', errorMessage: `fake ${client} client: ${name} not emulated` })
    }
  }

  if (client === 'android') {
    // lib/bridge/h5Android.js: waits for window.nuva, then calls nuva.require() as
    // (onSuccess, onFail, service, action, params); onSuccess may be called again (each back tap).
    const bridge = (
      ok: (r: unknown) => void,
      fail: (e: unknown) => void,
      service: string,
      action: string,
      params: Record<string, unknown>,
    ) =>
      handle(
        `${service}.${action}`,
        params ?? {},
        (success, body) => (success ? ok(body) : fail(body)),
        () => (navBack = () => ok({})),
      )
    w.nuva = { isReady: true, require: () => bridge }
  } else if (client === 'ios') {
    // lib/bridge/h5Ios.js: WebViewJavascriptBridge.init(), callHandler(name, params, cb) answered with
    // {errorCode:'0', result}; with watch:true the callback is registered as a handler of the API name.
    const handlers = new Map<string, (data: unknown, reply?: (r: unknown) => void) => void>()
    w.WebViewJavascriptBridge = {
      init: () => undefined,
      registerHandler: (name: string, handler: (data: unknown) => void) => handlers.set(name, handler),
      callHandler: (name: string, params: Record<string, unknown>, cb: (answer: unknown) => void) =>
        handle(
          name,
          params ?? {},
          (success, body) => cb(success ? { errorCode: '0', result: body } : body),
          () => (navBack = () => handlers.get(name)?.({})),
        ),
    }
  } else if (location.hostname.endsWith('.dingtalk.com')) {
    // lib/packages/frame-talk-client-pc: window.name carries the container; a top-level page with
    // dingtalk.platform.invokeAPI posts {type:'request', msgId, methodName, body} to hostOrigin and takes
    // {type:'response'|'event', msgId, ...} coming from hostOrigin.
    w.name = JSON.stringify({ containerId: 'e2e-container', hostOrigin: location.origin, hostVersion: '7.6.0', language: 'zh-CN' })
    w.dingtalk = { platform: { invokeAPI: () => undefined } }
    const post = (message: Record<string, unknown>) => window.postMessage(message, location.origin)
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { type?: string; msgId?: number; methodName?: string; body?: Record<string, unknown> } | null
      if (event.origin !== location.origin || data?.type !== 'request' || !data.msgId || !data.methodName) return
      const msgId = data.msgId
      if (data.methodName === 'SYS_openAPIContainerInitEvent') {
        emitPcEvent = (eventName) => post({ type: 'event', msgId, eventName, body: {} })
        return
      }
      handle(
        data.methodName,
        data.body ?? {},
        (success, body) => post({ type: 'response', msgId, success, body }),
        () => (navBack = () => post({ type: 'event', msgId, eventName: 'success', body: {} })),
      )
    })
  }

  w.__fakeDingTalk = {
    state,
    /** The navigation bar's back button; false when the page did not take it over (the client would leave). */
    tapBack: () => (navBack ? (navBack(), true) : false),
    /** Android's hardware back: true when the page prevented the default (leaving). */
    hardwareBack: () => {
      const event = new Event('backbutton', { cancelable: true })
      document.dispatchEvent(event)
      return event.defaultPrevented
    },
    /** The app going to the background and coming back. */
    lifecycle: (name: 'pause' | 'resume') => {
      if (client === 'pc') emitPcEvent?.(name)
      else document.dispatchEvent(new Event(name))
    },
    /** Answers the oldest open confirm dialog: 0 = the first button, 1 = the second. */
    answerConfirm: (buttonIndex: number) => {
      state.pendingConfirms.shift()
      confirmAnswers.shift()?.(buttonIndex)
    },
  }
}

interface Handle {
  state: FakeDingTalkState
  tapBack(): boolean
  hardwareBack(): boolean
  lifecycle(name: 'pause' | 'resume'): void
  answerConfirm(buttonIndex: number): void
}

/** What the page asked the fake client so far. */
export function bridgeState(page: Page): Promise<FakeDingTalkState> {
  return page.evaluate(() => (window as unknown as { __fakeDingTalk: Handle }).__fakeDingTalk.state)
}

/** Calls of one API (`service.action`) so far. */
export async function bridgeCalls(page: Page, name: string): Promise<FakeBridgeCall[]> {
  return (await bridgeState(page)).calls.filter((c) => `${c.service}.${c.action}` === name)
}

/** The navigation bar's back button; resolves false when the page had not taken it over. */
export function tapNavBack(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __fakeDingTalk: Handle }).__fakeDingTalk.tapBack())
}

/** Android's hardware back; resolves whether the page kept the client from leaving. */
export function pressHardwareBack(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __fakeDingTalk: Handle }).__fakeDingTalk.hardwareBack())
}

/** The app goes to the background (`pause`) or comes back (`resume`). */
export function lifecycle(page: Page, name: 'pause' | 'resume'): Promise<void> {
  return page.evaluate((n) => (window as unknown as { __fakeDingTalk: Handle }).__fakeDingTalk.lifecycle(n), name)
}

/** Answers the open confirm dialog (0 = its first button, 1 = its second). */
export function answerConfirm(page: Page, buttonIndex: 0 | 1): Promise<void> {
  return page.evaluate((i) => (window as unknown as { __fakeDingTalk: Handle }).__fakeDingTalk.answerConfirm(i), buttonIndex)
}
