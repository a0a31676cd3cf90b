// main for gtest binaries that link SystemC: libsystemc owns main() and calls
// sc_main, so tests start here. Each test case runs in its own process
// (gtest_discover_tests), which matters because SystemC elaborates once.
#include <gtest/gtest.h>
#include <systemc>

int sc_main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
