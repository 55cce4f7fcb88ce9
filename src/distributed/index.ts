/** dd.distributed: data-parallel training across processes and machines (MPI). */
import { finalize, init, launchedByMpi, mpiCompiled, mpiUnavailableReason } from './communicator.js';
import { shardOrder } from './sampler.js';

export { Distributed } from './communicator.js';
export type { DistributedInitOptions, ReduceOp } from './communicator.js';

export const distributed = {
  /** Join the job this process was launched into (size 1 under plain node); see Distributed. */
  init,
  /** Finalize MPI (idempotent; also runs at exit). */
  finalize,
  /** Whether MPI can be used here: the addon's MPI plugin was built and libmpi loads on this machine. */
  get compiled(): boolean {
    return mpiCompiled();
  },
  /** Why MPI cannot be used here (e.g. built without MPI, or libmpi is not installed); null when it can. */
  get unavailableReason(): string | null {
    return mpiUnavailableReason();
  },
  /** Whether an MPI launcher (mpirun, srun) started this process (read from the environment; starts nothing). */
  get launched(): boolean {
    return launchedByMpi();
  },
  /** The rows of `order` a rank takes (PyTorch DistributedSampler: padded, strided). */
  shardOrder,
};
