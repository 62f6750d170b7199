import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import vueI18n from '@intlify/unplugin-vue-i18n/vite'
import { verifyPageScript } from './scripts/verify-page-script'

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  plugins: [
    vue(),
    // Precompiles locale messages so the runtime-only vue-i18n build (no message compiler) ships.
    vueI18n({
      include: [path('./src/locales/**')],
      runtimeOnly: true,
      compositionOnly: true,
      fullInstall: false,
      dropMessageCompiler: true,
    }),
    verifyPageScript(),
  ],
  resolve: {
    alias: {
      '@': path('./src'),
      '@contract': path('./server/contract'),
      // The test toolkit (never imported by production code: an ESLint rule enforces it).
      '@testing': path('./testing'),
    },
  },
  server: {
    port: 5173,
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
  build: {
    outDir: 'dist',
    target: ['chrome69', 'ios14'],
    sourcemap: false,
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'client',
          environment: 'happy-dom',
          include: ['src/**/*.test.ts'],
          setupFiles: ['src/test-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          environment: 'node',
          include: ['server/**/*.test.ts', 'scripts/**/*.test.ts', 'testing/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // npm run test:replicas: a real redis-server and nginx (Debian packages), never in npm test.
          name: 'replicas',
          environment: 'node',
          include: ['testing/drills/**/*.replicas.ts'],
          globalSetup: ['testing/drills/replicas-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // npm run test:postgres: its own real PostgreSQL (Debian's postgresql), never in npm test.
          name: 'postgres',
          environment: 'node',
          include: ['testing/postgres/**/*.pg.ts'],
          globalSetup: ['testing/postgres/postgres-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.e2e.ts'],
          // Builds dist/ when stale and checks Chromium once, before any browser test.
          globalSetup: ['e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // npm run test:e2e:webkit: WebKitGTK through WebKitWebDriver under Xvfb (e2e/README.md), never in npm test.
          name: 'e2e-webkit',
          environment: 'node',
          include: ['e2e/webkit/**/*.webkit.ts'],
          globalSetup: ['e2e/webkit/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
