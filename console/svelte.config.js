// Svelte compiler options for the console web app (runes only; TypeScript in <script lang="ts">).
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess({ script: false }),
  compilerOptions: { runes: true },
};
