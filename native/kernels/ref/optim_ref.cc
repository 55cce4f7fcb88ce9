// Optimizer kernels, portable baseline build (the 'scalar' variant).
#include <cmath>
#include <cstddef>

#include "dendrite/kernels.h"

namespace dendrite {

const char* const kOptimNames[kOptimCount] = {
#define DENDRITE_NAME_ENTRY(name) #name,
    DENDRITE_OPTIMIZERS(DENDRITE_NAME_ENTRY)
#undef DENDRITE_NAME_ENTRY
};

namespace optim_scalar {
#include "../cpu/optim_kernels.inc"
}  // namespace optim_scalar

void fill_scalar_optim_kernels(KernelTable& table) { optim_scalar::fill_optim_table(table); }

}  // namespace dendrite
