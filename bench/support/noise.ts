import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { round } from './report';

/**
 * How busy the machine was with other work while a benchmark measured: the CPU the whole machine used (/proc/stat)
 * less what this process and its descendants used (the API, the command load, the readers). The machine is shared
 * with other agents' tests, so a figure is read beside this.
 */
export interface Noise {
  seconds: number;
  /** Cores' worth of CPU the benchmark's processes used, on average. */
  oursCores: number;
  /** Cores' worth of CPU everything else on the machine used, on average (processes, user and system time). */
  otherCores: number;
  /** Cores' worth of interrupt handling (irq, softirq: loopback networking among it), which no process is charged for. */
  interruptCores: number;
  cores: number;
}

const TICKS_PER_SECOND = 100;

/** User and system ticks of a process, its waited-for children's included (fields 14 to 17 of /proc/<pid>/stat). */
function processTicks(stat: string): { ppid: number; ticks: number } {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
}

/** The machine's ticks of processes' work (user, nice, system, steal) and of interrupts (irq, softirq). */
function machineTicks(): { processes: number; interrupts: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
  return { processes: user + nice + system + steal, interrupts: irq + softirq };
}

/** Ticks of this process and of every live descendant (a child that exited and was reaped counts in our own). */
function ourTicks(): number {
  const parents = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), processTicks(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; at = parents.get(at)?.ppid ?? 0, hops++) if (at === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, { ticks }] of parents) if (ours(pid)) total += ticks;
  return total;
}

/** Starts watching; the function returned tells the noise since. */
export function watchNoise(): () => Noise {
  const started = performance.now();
  const machine = machineTicks();
  const ours = ourTicks();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const oursDelta = ourTicks() - ours;
    const now = machineTicks();
    const cores = (ticks: number) => round(ticks / TICKS_PER_SECOND / seconds, 2);
    return {
      seconds: round(seconds, 1),
      oursCores: cores(oursDelta),
      otherCores: cores(Math.max(0, now.processes - machine.processes - oursDelta)),
      interruptCores: cores(now.interrupts - machine.interrupts),
      cores: cpus().length,
    };
  };
}

export function describeNoise(noise: Noise): string {
  return (
    `other processes on the machine used ${noise.otherCores} of its ${noise.cores} cores meanwhile (the benchmark's own processes ${noise.oursCores}, ` +
    `interrupts ${noise.interruptCores})`
  );
}

/** CPU time a process has used so far (user and system, its own), in seconds. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
