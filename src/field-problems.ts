/** Zod issues in the words every error of this project uses: `field: problem` (src/validation.ts). */
export { fieldProblems } from './validation.ts';
