// Preloaded into a benchmarked child process (node --require): reports its peak RSS on exit.
process.on('exit', () => process.stderr.write(`PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`));
