/**
 * An HTML view of a document, served at `/i/nodes/{docId}` and `/__emulator/documents/{docId}`
 * (README "Control API"), so a person can see what landed: images render from their resourceUrl,
 * attachments are named links, captions are text. All text is escaped.
 */
import type { EmulatorState, Node } from './state'

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Escapes text for HTML content and double-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

/** Only same-origin paths and http(s) URLs become links or image sources. */
function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null
  if (url.startsWith('/') && !url.startsWith('//')) return url
  return /^https?:\/\//i.test(url) ? url : null
}

function propsOf(block: Json): Json {
  const props = block[String(block['blockType'])]
  return isObject(props) ? props : {}
}

/** The plain text of a block: its own `text` plus the text of its inline children. */
export function blockText(block: Json): string {
  const own = typeof propsOf(block)['text'] === 'string' ? String(propsOf(block)['text']) : ''
  const children = Array.isArray(block['children']) ? block['children'] : []
  const inner = children
    .map((child) => {
      if (!isObject(child)) return ''
      if (typeof child['text'] === 'string') return child['text']
      if (child['elementType'] === 'link' && Array.isArray(child['children'])) {
        return child['children'].map((t) => (isObject(t) && typeof t['text'] === 'string' ? t['text'] : '')).join('')
      }
      if (typeof child['blockType'] === 'string') return blockText(child)
      return ''
    })
    .join('')
  return own + inner
}

function renderInline(child: unknown): string {
  if (!isObject(child)) return ''
  if (typeof child['text'] === 'string' && child['elementType'] === undefined) {
    let html = escapeHtml(child['text'])
    if (child['bold'] === true) html = `<strong>${html}</strong>`
    if (child['italic'] === true) html = `<em>${html}</em>`
    return html
  }
  const props = isObject(child['properties']) ? child['properties'] : {}
  switch (child['elementType']) {
    case 'image': {
      const src = safeUrl(props['src'])
      return src ? `<img src="${escapeHtml(src)}" alt="" loading="lazy">` : ''
    }
    case 'link': {
      const text = Array.isArray(child['children'])
        ? child['children'].map((t) => (isObject(t) && typeof t['text'] === 'string' ? t['text'] : '')).join('')
        : ''
      const href = safeUrl(props['href'])
      const label = escapeHtml(text || String(props['href'] ?? ''))
      return href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${label}</a>` : label
    }
    case 'sticker':
      return `<span class="sticker">[${escapeHtml(String(props['code'] ?? ''))}]</span>`
    default:
      return ''
  }
}

function renderBlock(state: EmulatorState, doc: Node, block: unknown): string {
  if (!isObject(block)) return ''
  const type = String(block['blockType'])
  const props = propsOf(block)
  const children = Array.isArray(block['children']) ? block['children'] : []
  const idAttr = typeof block['id'] === 'string' ? ` data-block-id="${escapeHtml(block['id'])}"` : ''
  const text = typeof props['text'] === 'string' ? escapeHtml(props['text']) : ''
  const inline = () => text + children.map(renderInline).join('')
  const nested = () => children.map((c) => renderBlock(state, doc, c)).join('')
  switch (type) {
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(String(props['level'] ?? '1').replace('heading-', '')) || 1))
      return `<h${level}${idAttr}>${inline()}</h${level}>`
    }
    case 'paragraph':
      return `<p${idAttr}>${inline()}</p>`
    case 'blockquote':
      return `<blockquote${idAttr}>${inline()}</blockquote>`
    case 'orderedList':
    case 'unorderedList':
      return `<ul class="${type}"${idAttr}><li>${inline()}</li></ul>`
    case 'attachment': {
      const resource = typeof props['resourceId'] === 'string' ? state.resourceOfDoc(doc.nodeId, props['resourceId']) : undefined
      const name = escapeHtml(String(props['name'] ?? resource?.resourceName ?? 'attachment'))
      return resource
        ? `<p class="attachment"${idAttr}>📎 <a href="${escapeHtml(resource.resourceUrl)}" download="${name}">${name}</a></p>`
        : `<p class="attachment"${idAttr}>📎 ${name}</p>`
    }
    case 'table': {
      const cells = Array.isArray(props['cells']) ? props['cells'] : []
      const rows = cells
        .map((row) => `<tr>${(Array.isArray(row) ? row : []).map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
        .join('')
      return `<table${idAttr}>${rows}</table>`
    }
    default:
      return `<div class="${escapeHtml(type)}"${idAttr}>${text}${nested()}</div>`
  }
}

/** A whole HTML page for one document. */
export function renderDocumentPage(state: EmulatorState, doc: Node): string {
  const workspace = state.workspaces.get(doc.workspaceId)
  const body = doc.blocks.length
    ? doc.blocks.map((b) => renderBlock(state, doc, b)).join('\n')
    : '<p class="empty">（空文档 / empty document）</p>'
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.name)}</title>
<link rel="icon" href="data:,">
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:760px;margin:0 auto;padding:16px;color:#171a1d}
header{border-bottom:1px solid #e5e6eb;margin-bottom:16px}header small{color:#8f959e}
img{max-width:100%;height:auto;display:block;margin:8px 0;border-radius:4px}
.attachment a{color:#0089ff}.empty{color:#8f959e}.banner{background:#fff7e6;padding:4px 8px;font-size:12px}
</style>
</head>
<body>
<div class="banner">DingTalk emulator — 模拟的钉钉文档</div>
<header><h1>${escapeHtml(doc.name)}</h1><small>${escapeHtml(workspace?.name ?? '')}</small></header>
<main data-doc-id="${escapeHtml(doc.nodeId)}">
${body}
</main>
</body>
</html>
`
}

/** A small HTML 404 page. */
export function renderNotFoundPage(what: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Not found</title></head><body><p>${escapeHtml(what)}</p></body></html>\n`
}
