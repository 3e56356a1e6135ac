/**
 * Options of the top-down sector allocation and its benchmarks (sector-topdown, xs-llm, xs-momentum),
 * merged into the one strategy options schema (strategies.ts). Imports nothing but zod.
 */
// import { z } from 'zod';

export const TopDownOptionsShape = {};
