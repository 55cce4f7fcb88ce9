// Runtime selection of the kernel variant: the best one that is compiled in and
// supported by this CPU and OS, chosen once; select_isa() switches (the TS side
// applies DENDRITE_ISA through it when the addon loads, see src/backend/registry.ts).
#ifndef DENDRITE_DISPATCH_H_
#define DENDRITE_DISPATCH_H_

#include <string>
#include <vector>

#include "dendrite/kernels.h"

namespace dendrite {

// The active table. The first call builds every table and picks the best.
const KernelTable& kernels();

// Names of the variants that are compiled in and supported by this CPU, best first.
std::vector<std::string> available_isas();

// Switch the active variant ("auto" = best). Returns false if the name is not available.
bool select_isa(const std::string& name);

}  // namespace dendrite

#endif  // DENDRITE_DISPATCH_H_
