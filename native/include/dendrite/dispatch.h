// Runtime selection of the kernel variant: chosen once from the CPU's features,
// overridable with DENDRITE_ISA=scalar|avx2 (and select_isa() for tests).
#ifndef DENDRITE_DISPATCH_H_
#define DENDRITE_DISPATCH_H_

#include <string>
#include <vector>

#include "dendrite/kernels.h"

namespace dendrite {

// The active table. The first call picks the variant.
const KernelTable& kernels();

// Names of the variants that are compiled in and supported by this CPU, best first.
std::vector<std::string> available_isas();

// Switch the active variant ("auto" = best). Returns false if the name is not available.
bool select_isa(const std::string& name);

}  // namespace dendrite

#endif  // DENDRITE_DISPATCH_H_
