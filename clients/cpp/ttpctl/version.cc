// The version line; TTPGRAPH_VERSION and TTPGRAPH_GIT_COMMIT come from CMake
// (configure time) on this file only, so a new commit recompiles nothing else.
#include "clients/cpp/ttpctl/cli.h"

#ifndef TTPGRAPH_VERSION
#define TTPGRAPH_VERSION "unknown"
#endif
#ifndef TTPGRAPH_GIT_COMMIT
#define TTPGRAPH_GIT_COMMIT "unknown"
#endif

namespace ttpctl {

std::string VersionLine() { return std::string("ttpctl ") + TTPGRAPH_VERSION + " (commit " + TTPGRAPH_GIT_COMMIT + ")"; }

}  // namespace ttpctl
