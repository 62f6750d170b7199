/**
 * Registers the service worker that lets the app open without signal (vite.config.ts, VitePWA;
 * docs/architecture.md#offline-start). After the page has loaded, so the first screen does not
 * wait for it; only in a build (the dev server has no service worker). Where a webview does not
 * allow service workers (docs/dingtalk.md#offline), the queue still comes back from IndexedDB
 * the moment the page loads; only opening the app itself then needs the network.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
      console.warn('service worker not registered: the app needs the network to open', error)
    })
  }
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}
