// Multicast tables: XY trees, explicit entries, and the check that explicit
// entries reproduce exactly a group's destinations (xpu/Multicast.h).
#include "xpu/Isa.h"
#include "xpu/Multicast.h"
#include "xpu/Packet.h"

#include <gtest/gtest.h>

using namespace xpu;

namespace {

constexpr uint8_t L_ = 1 << 0, E_ = 1 << 1, W_ = 1 << 2, N_ = 1 << 3, S_ = 1 << 4;

ChipDescriptor chip3x3() {
  ChipDescriptor c;
  c.width = c.height = 3;
  return c;
}

// 3x3, ids 0 1 2 / 3 4 5 / 6 7 8. Group 0 from 0 to {2, 8}: XY goes
// 0 E 1 E 2 (Local, S) 5 S 8; the YX-style tree below goes 0 S 3 S 6 E 7 E 8
// and 0 E 1 E 2.
const MulticastGroup kGroup{0, 0, {2, 8}};
std::vector<MulticastRoute> yxTree() {
  return {{0, 0, E_ | S_}, {0, 1, E_}, {0, 2, L_}, {0, 3, S_}, {0, 6, E_}, {0, 7, E_}, {0, 8, L_}};
}

std::string errorOf(const std::vector<MulticastRoute> &routes, MulticastGroup g = kGroup) {
  auto err = checkMulticastRoutes(chip3x3(), g, routes);
  return err ? err->message : "";
}

} // namespace

TEST(Multicast, XyTreeRoutesAreTheUnionOfXyPaths) {
  auto r = xyTreeRoutes(chip3x3(), kGroup);
  std::vector<std::pair<uint32_t, uint8_t>> got;
  for (const MulticastRoute &m : r) got.push_back({m.router, m.ports});
  EXPECT_EQ(got, (std::vector<std::pair<uint32_t, uint8_t>>{{0, E_}, {1, E_}, {2, L_ | S_}, {5, S_}, {8, L_}}));
  EXPECT_EQ(errorOf(r), "");
}

TEST(Multicast, ExplicitEntriesReplaceTheGroupsXyTreeOnly) {
  const std::vector<MulticastGroup> groups = {kGroup, {1, 4, {3, 5}}};
  auto t = buildMulticastTables(chip3x3(), groups, yxTree());
  EXPECT_EQ(t[0][0], E_ | S_);
  EXPECT_EQ(t[6][0], E_);
  EXPECT_EQ(t[5][0], 0);  // not on the explicit tree
  EXPECT_EQ(t[4][1], W_ | E_);  // group 1 keeps its XY tree
  EXPECT_EQ(t[3][1], L_);
  EXPECT_EQ(errorOf(yxTree()), "");
}

TEST(Multicast, CheckNamesWhatIsWrong) {
  auto with = [](std::vector<MulticastRoute> r, uint32_t router, uint8_t ports) {
    for (auto &m : r)
      if (m.router == router) m.ports = ports;
    return r;
  };
  EXPECT_NE(errorOf(with(yxTree(), 8, 0)).find("port mask 0"), std::string::npos);
  // 6 sends west: off the mesh.
  EXPECT_NE(errorOf(with(yxTree(), 6, E_ | W_)).find("router (0, 2) sends a copy west, off the mesh"),
            std::string::npos)
      << errorOf(with(yxTree(), 6, E_ | W_));
  // 7 also sends north to 4, which has no entry.
  EXPECT_NE(errorOf(with(yxTree(), 7, E_ | N_)).find("reaches router (1, 1), which has no entry"), std::string::npos);
  // 7 delivers locally too: core 7 is not a destination.
  EXPECT_NE(errorOf(with(yxTree(), 7, E_ | L_)).find("core 7 is not a destination"), std::string::npos);
  // A mask beyond the five ports.
  EXPECT_NE(errorOf(with(yxTree(), 2, 0x20)).find("port mask 32 must name 1 to 5 ports"), std::string::npos);
  {
    auto r = yxTree();
    r.erase(r.begin() + 2);  // router 2: no entry; add a branch to keep it "reached"
    EXPECT_NE(errorOf(r).find("reaches router (2, 0), which has no entry"), std::string::npos) << errorOf(r);
  }
  {
    auto r = with(yxTree(), 2, S_);  // 2 goes on to 5 (no entry), never delivers
    r.push_back({0, 5, S_});         // 5 -> 8, which the other branch reaches too
    EXPECT_NE(errorOf(r).find("which a copy already reaches"), std::string::npos) << errorOf(r);
  }
  {
    auto r = yxTree();
    r.push_back({0, 4, L_});  // an entry no copy ever reaches
    EXPECT_NE(errorOf(r).find("the entry at router (1, 1) is never reached from the source"), std::string::npos)
        << errorOf(r);
  }
  {
    auto r = yxTree();
    r.push_back({0, 8, L_});
    EXPECT_NE(errorOf(r).find("router (2, 2) has two entries"), std::string::npos) << errorOf(r);
  }
  {
    auto r = yxTree();
    r[6].ports = E_;  // 8 forwards east: off the mesh before delivering
    EXPECT_NE(errorOf(r).find("off the mesh"), std::string::npos) << errorOf(r);
  }
  {
    MulticastGroup g = kGroup;
    g.destinations = {2, 6, 8};  // 6 forwards and does not deliver
    EXPECT_NE(errorOf(yxTree(), g).find("no copy reaches destination core 6"), std::string::npos)
        << errorOf(yxTree(), g);
  }
}

TEST(Multicast, ExecutableCarriesAndValidatesExplicitRoutes) {
  Executable e;
  e.chip = chip3x3();
  ProgramImage im;
  im.code = {encode({Opcode::Halt, 0, 0, 0, 0, 0})};
  e.images = {im};
  e.cores = {{0, 0}};
  e.multicastGroups = {kGroup};
  e.multicastRoutes = yxTree();
  ASSERT_FALSE(validateExecutable(e));
  auto back = parseExecutable(serializeExecutable(e).data(), serializeExecutable(e).size(), "mem");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->multicastRoutes.size(), yxTree().size());
  for (size_t i = 0; i < yxTree().size(); ++i) {
    EXPECT_EQ(back->multicastRoutes[i].group, 0u);
    EXPECT_EQ(back->multicastRoutes[i].router, yxTree()[i].router);
    EXPECT_EQ(back->multicastRoutes[i].ports, yxTree()[i].ports);
  }
  e.multicastRoutes.push_back({5, 4, L_});
  auto err = validateExecutable(e);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("group 5 is not defined"), std::string::npos) << err->message;
  e.multicastRoutes.pop_back();
  e.multicastRoutes[1].ports = S_;  // 1 -> 4: no entry
  err = validateExecutable(e);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("multicast group 0"), std::string::npos) << err->message;
}
