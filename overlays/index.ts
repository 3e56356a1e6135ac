/**
 * The LLM overlay's public API, for scripts (`forecast`, `compare`) and tests.
 *
 * Stage 1: a `ContextSource` builds a point-in-time `Context` per decision date; a `Forecaster` turns it
 * into a validated answer; `runForecasts` writes one `SignalRecord` per date to a signals file
 * (`collectForecasts` keeps them in memory). Stage 2: `paperRuleSchedule` / `directMappingSchedule` (or
 * `scheduleFromSignalsFile`) turn signals into the env's `RatioSchedule`.
 */
export { ForecastAnswerSchema, parseFreeText, parseJsonReply, parseReply, type ForecastAnswer, type ReplyFormat } from './answer.ts';
export { BundledSources, type BundledSourcesOptions } from './context/bundled.ts';
export { MacroContextSource, DEFAULT_MACRO_SERIES } from './context/macro.ts';
export { NewsContextSource } from './context/news.ts';
export { PaperPromptSource, PAPER_NOT_POINT_IN_TIME } from './context/paper.ts';
export { closePanelOf, DOW30_TICKERS, loadBundledPrices } from './context/price-files.ts';
export { PricesContextSource, summarisePrices, type ClosePanel, type IndexSeries, type PriceSummary } from './context/prices.ts';
export { SOURCE_NAMES, type Context, type ContextSource, type SourceName } from './context/types.ts';
export { parseDecisionDates } from './dates.ts';
export type { ForecastInput, ForecastOutcome, Forecaster, Usage } from './forecaster.ts';
export { LABELS, LABEL_SCORES, type Label } from './labels.ts';
export { KNOWN_CUTOFFS, lookAheadWarning, resolveModelCutoff, type ModelCutoff } from './model-cutoffs.ts';
export { buildMessages, PAPER_ENDING, promptHash } from './prompts.ts';
export { RecordingTransport, ReplayTransport, ResponseCache } from './providers/cache.ts';
export { combineAnswers, EnsembleForecaster, type EnsembleMethod } from './providers/ensemble.ts';
export { defaultChatParams, LlmForecaster } from './providers/llm.ts';
export { ConstantForecaster, MacroRulesForecaster, MomentumForecaster } from './providers/offline.ts';
export { DEFAULT_MAX_REPLY_BYTES, normalizeBaseUrl, OpenAITransport } from './providers/openai.ts';
export { OracleForecaster } from './providers/oracle.ts';
export { ConfigurationError, FatalProviderError, RequestFailedError } from './providers/transport.ts';
export { labelOrderRobustness, shuffledLabelOrders } from './robustness.ts';
export { collectForecasts, runForecasts, signalRecord, type ForecastRunOptions, type ForecastRunSummary } from './run.ts';
export {
  parseSignals,
  readSignals,
  SignalRecordSchema,
  SignalsWriter,
  sortSignalsFile,
  successfulSignals,
  type SignalRecord,
  type SignalsFile,
} from './signals.ts';
export {
  boundaries,
  directMappingSchedule,
  paperRuleSchedule,
  PAPER_BOUNDS,
  scheduleFor,
  scheduleFromSignalsFile,
  zeroChangeSchedule,
  type DirectMappingOptions,
  type ForecastPoint,
  type PaperRuleOptions,
  type Stage2Decision,
  type Stage2Options,
  type Stage2Result,
  type Stage2Rule,
} from './stage2.ts';
// Stage 1 for assets (`marginlab score`): contexts, scorers, the run and the scores file.
export { ScoringContexts, universeClosePrices, visibleBefore, type AssetContext, type ClosePrices } from './scoring/context.ts';
export { defaultScoreChatParams, LlmScorer, parseScoreReply } from './scoring/llm.ts';
export { MomentumScorer, OracleScorer, RandomScorer } from './scoring/offline.ts';
export { buildScoreMessages, parsePersonas, PERSONA_PROMPTS, type PersonaName } from './scoring/prompts.ts';
export { aggregateRecords, collectScores, compositePanel, planScoring, runScoring, type ScoringRunSummary } from './scoring/run.ts';
export type { AssetScorer, ScoreInput, ScoreOutcome } from './scoring/scorer.ts';
export { parseScores, readScoreRecords, readScoresFile, ScoresWriter, sortScoresFile } from './scoring/scores-file.ts';
