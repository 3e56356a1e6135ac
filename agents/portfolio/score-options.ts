/**
 * Options of the score strategies (llm-score, llm-mvo, black-litterman), merged into the one strategy
 * options schema (strategies.ts). Imports nothing but zod, so the schema module has no cycle.
 */
// import { z } from 'zod';

export const ScoreOptionsShape = {};
