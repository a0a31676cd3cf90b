// gtest entry point for the system tests (SystemC needs no sc_main here:
// the emulator library drives the kernel with sc_start).
#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char **argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
