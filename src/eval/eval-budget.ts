/**
 * An eval's spending limit shared by the runs it makes at once. Each run is granted a share of
 * what is neither spent nor granted to a run still going, and the engine stops the run before
 * the model call that would cross its grant; so spent plus outstanding grants never exceeds the
 * limit, however many runs are in flight.
 */
export class EvalBudget {
  private spent = 0;
  private outstanding = 0;
  private running = 0;
  /** Set once a run stops at its grant: the eval stops starting runs. */
  exhausted = false;

  constructor(
    private readonly limitUsd: number | undefined,
    private readonly slots: number,
  ) {}

  /** The grant of a run about to start (undefined: no limit), with the function that settles it. */
  grant(): { maxCostUsd: number | undefined; settle(costUsd: number, stopped: boolean): void } {
    if (this.limitUsd === undefined) {
      return {
        maxCostUsd: undefined,
        settle: (costUsd) => {
          this.spent += costUsd;
        },
      };
    }
    const free = Math.max(0, this.limitUsd - this.spent - this.outstanding);
    const share = free / Math.max(1, this.slots - this.running);
    this.outstanding += share;
    this.running += 1;
    return {
      maxCostUsd: share,
      settle: (costUsd, stopped) => {
        this.outstanding -= share;
        this.running -= 1;
        this.spent += costUsd;
        if (stopped) this.exhausted = true;
      },
    };
  }
}
