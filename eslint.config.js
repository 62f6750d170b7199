import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'e2e/artifacts/**', 'bench/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // Production code never imports the test toolkit (testing/): tests may, nothing that ships may.
    files: ['server/**/*.ts', 'src/**/*.ts', 'src/**/*.vue'],
    ignores: ['**/*.test.ts', 'src/test-setup.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@testing(/.*)?|(\\.\\./)+testing(/.*)?)$',
              message: 'testing/ is the test toolkit; production code must not import it.',
            },
          ],
        },
      ],
    },
  },
  // Last: turns off every stylistic rule the formatter (Prettier, `npm run format:check`) owns.
  prettier,
)
