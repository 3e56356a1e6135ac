/** The comparison as library code: its schema, the run, the report and the training workers. */
export { AGENT_KINDS, CompareSchema, DEFAULT_BASELINES, OFFLINE_OVERLAYS, REALLOCATION_MONTHS, type AgentKind, type CompareConfig } from './config.ts';
export { runCompare, signalArms, type CompareOptions } from './run.ts';
export { rebuildCompareReport, statsMarkdown, writeCompareReport, type CompareResult, type ReportContext } from './report.ts';
export { offlineForecaster } from '../../overlays/providers/offline-by-name.ts';
