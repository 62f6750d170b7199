/**
 * Builds the verify page's one script (src/verify/check-photo.ts → `<outDir>/verify/check-photo.js`)
 * after the H5, as a build of its own: a second entry in the H5's build would change how the H5's
 * chunks are split (and grow its first screen). A stable name, so the server-rendered page
 * (server/services/evidence/verify-page.ts) can point at it; outside `assets/`, so it is revalidated.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'vite'

export function verifyPageScript(): Plugin {
  let outDir = ''
  let target: string | string[] | false = 'es2020'
  return {
    name: 'doc-attach:verify-page-script',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
      // The same engines as the H5 (DingTalk's Android kernel is old): the page opens inside DingTalk too.
      target = config.build.target
    },
    async closeBundle() {
      await build({
        configFile: false,
        logLevel: 'warn',
        publicDir: false,
        build: {
          minify: true,
          outDir: resolve(outDir, 'verify'),
          emptyOutDir: false,
          target,
          lib: {
            entry: fileURLToPath(new URL('../src/verify/check-photo.ts', import.meta.url)),
            formats: ['es'],
            fileName: () => 'check-photo.js',
          },
        },
      })
    },
  }
}
