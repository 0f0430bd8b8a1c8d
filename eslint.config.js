// ESLint 9 flat config: typescript-eslint's type-checked rules over every TypeScript file the project
// compiles. The import direction between layers is checked by dependency-cruiser (.dependency-cruiser.cjs),
// which `npm run lint` runs after ESLint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/fixtures/**/*.js: job files run as plain JS in worker threads by tests (no type information).
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      '*.config.js',
      '*.config.mjs',
      '.dependency-cruiser.cjs',
      'test/fixtures/**/*.js',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['src/**/*.ts', 'jobs/**/*.ts', 'config/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'demo/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `void promise` is no handling: a rejection there still kills the thread (it did: `void writer.flush()`).
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `_name` marks a value left unused on purpose; `...rest` destructuring drops keys by naming them.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Delivery is reached through its port or a service that does the work: a re-export would hand it on past
    // the port. dependency-cruiser's rule no-delivery-re-exports misses a module both imported and re-exported
    // (it keeps one dependency per module); this catches every `export … from`. (`import { x }` then `export { x }`
    // is left to review.)
    files: ['src/**/*.ts'],
    ignores: ['src/delivery/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportNamedDeclaration[source.value=/\\/delivery\\//], ExportAllDeclaration[source.value=/\\/delivery\\//]',
          message: 'Do not re-export delivery outside src/delivery/: reach it through src/delivery/port.ts or a service.',
        },
      ],
    },
  },
  {
    // Test doubles implement async interfaces (DeliveryPort, metrics) with answers they already hold.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // CommonJS preloads (test/support/loopback-guard.cjs is loaded with --require into every test process
    // and thread): plain JavaScript, no type information.
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
