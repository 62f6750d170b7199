/**
 * Vant's icon font (vant/es/icon/index.css) lists a copy on a CDN after its inline woff2. The app's
 * Content-Security-Policy allows fonts only from itself and data: (server/app.ts), and a phone in the
 * field may have no route to that CDN, so remote sources are dropped from every @font-face at build.
 */
const dropRemoteFontSources = {
  postcssPlugin: 'drop-remote-font-sources',
  AtRule: {
    'font-face': (rule) => {
      rule.walkDecls('src', (decl) => {
        const sources = decl.value.split(/,(?=\s*url\()/)
        const local = sources.filter((source) => !/url\(\s*["']?(https?:)?\/\//.test(source))
        if (local.length > 0 && local.length < sources.length) decl.value = local.join(',')
      })
    },
  },
}

export default { plugins: [dropRemoteFontSources] }
