/**
 * Errors of the portfolio-optimisation library (agents/portfolio/*).
 *
 * - `PortfolioError`: the base class; thrown directly for malformed input (wrong dimensions, NaN, an
 *   asset with zero variance where a method needs a positive one).
 * - `InfeasibleConstraintError`: the constraint set (or an objective's target) admits no portfolio.
 *   `.constraint` names the offending constraint in words, e.g.
 *   "per-asset bounds: 30 assets × upper 0.02 = 0.6 < 1 (fully invested)".
 * - `SolverError`: the numerical method did not finish (iteration limit, non-convex Hessian, an
 *   unexpected solver status). `.status` is the solver's status text.
 */
export class PortfolioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortfolioError';
  }
}

export class InfeasibleConstraintError extends PortfolioError {
  /** The constraint that cannot be met, in words (also the start of `.message`). */
  readonly constraint: string;

  constructor(constraint: string, detail?: string) {
    super(detail ? `infeasible: ${constraint} (${detail})` : `infeasible: ${constraint}`);
    this.name = 'InfeasibleConstraintError';
    this.constraint = constraint;
  }
}

export class SolverError extends PortfolioError {
  /** The solver's status text, e.g. "Iteration limit reached" or "not converged". */
  readonly status: string;

  constructor(status: string, message: string) {
    super(message);
    this.name = 'SolverError';
    this.status = status;
  }
}
