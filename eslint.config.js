import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import prettier from 'eslint-config-prettier'
import compat from 'eslint-plugin-compat'

/** Production code never imports the test toolkit (testing/): tests may, nothing that ships may. */
const TESTING_IMPORTS = {
  regex: '^(@testing(/.*)?|(\\.\\./)+testing(/.*)?)$',
  message: 'testing/ is the test toolkit; production code must not import it.',
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'e2e/artifacts/**', 'bench/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  // Globals scoped like the TypeScript configs (tsconfig.app.json, tsconfig.node.json, tsconfig.e2e.json):
  // the H5 sees the browser's, everything else Node's. For .ts files TypeScript itself enforces this
  // (typescript-eslint turns no-undef off there); for .vue, .js and .mjs files ESLint does.
  {
    files: ['src/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['server/**', 'scripts/**', 'testing/**', 'bench/**', 'e2e/**', '*.{js,mjs,ts}'],
    ignores: ['testing/fake-api.ts', 'testing/uploads-harness.ts', 'testing/fake-platform.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // No Node in the H5. TypeScript cannot fully enforce this for src/ (the client tests import vitest,
    // whose types pull in @types/node), so ESLint names the Node globals a phone's browser lacks.
    files: ['src/**/*.{ts,vue}'],
    ignores: ['**/*.test.ts', 'src/test-setup.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['Buffer', 'process', 'global', 'require', '__dirname', '__filename', 'setImmediate', 'clearImmediate'].map((name) => ({
          name,
          message: `${name} is Node's: the H5 runs in a phone's browser (tsconfig.app.json).`,
        })),
      ],
    },
  },
  {
    // The oldest engines the H5 supports (package.json "browserslist", docs/dingtalk.md#supported-engines):
    // eslint-plugin-compat flags browser APIs and static built-ins they lack. It cannot see instance
    // methods (it has no types), so the ones beyond those engines are named here.
    ...compat.configs['flat/recommended'],
    files: ['src/**/*.{ts,vue}'],
    ignores: ['**/*.test.ts', 'src/test-setup.ts'],
    rules: {
      'compat/compat': 'error',
      'no-restricted-syntax': [
        'error',
        ...['at', 'findLast', 'findLastIndex', 'replaceAll', 'matchAll', 'toSorted', 'toReversed', 'toSpliced'].map((name) => ({
          selector: `CallExpression[callee.property.name='${name}']`,
          message: `.${name}() is missing in DingTalk's Android kernel (Chrome 69) or iOS 14 (docs/dingtalk.md#supported-engines).`,
        })),
      ],
    },
  },
  {
    // The client tests' fake API and upload-store harness run in the happy-dom client project, beside the H5.
    files: ['testing/fake-api.ts', 'testing/uploads-harness.ts', 'testing/fake-platform.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Browser drivers: their page.evaluate / waitForFunction / init-script callbacks run in Chromium.
    files: ['e2e/**/*.ts', 'bench/lib/phase-attach.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // TESTING_IMPORTS for everything that ships.
    files: ['server/**/*.ts', 'src/**/*.ts', 'src/**/*.vue'],
    ignores: ['**/*.test.ts', 'src/test-setup.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [TESTING_IMPORTS],
        },
      ],
    },
  },
  {
    // Components and pages never call our API themselves (docs/architecture.md#layers-and-who-may-call-whom):
    // a store action does, and owns its loading and error state. This entry replaces the one above
    // for these files (ESLint does not merge a rule's options), so it names TESTING_IMPORTS again.
    files: ['src/components/**/*.{ts,vue}', 'src/pages/**/*.{ts,vue}'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            TESTING_IMPORTS,
            {
              regex: '^(@/api(/.*)?|(\\.\\./)+api(/.*)?)$',
              message: 'Components and pages do not import src/api/: call a store action, which owns loading and error.',
            },
          ],
        },
      ],
    },
  },
  // Last: turns off every stylistic rule the formatter (Prettier, `npm run format:check`) owns.
  prettier,
)
