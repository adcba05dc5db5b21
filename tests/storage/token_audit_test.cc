// API tokens (hashes only) and the audit trail (records in the change's own batch).
#include <gtest/gtest.h>

#include "storage/audit.h"
#include "storage/import/sha256.h"
#include "storage/token_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using testing::StatusIs;

class TokenAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(StoreOptions{dir_.path()});
    ASSERT_OK(s.status());
    store_ = std::move(*s);
  }
  // Every raw value in the store's key-value space, concatenated.
  std::string AllValues() {
    std::string all;
    EXPECT_OK(store_->KvScan("", [&](std::string_view k, std::string_view v) {
      all.append(k).append(v);
      return true;
    }));
    return all;
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TokenAuditTest, OnlyTheHashOfTheSecretIsStored) {
  TokenStore tokens(store_.get());
  ASSERT_OK_AND_ASSIGN(NewToken t, tokens.Create(Role::kEditor, "acme", 0, "CI"));
  ASSERT_EQ(t.bearer.size(), 5u + 16 + 1 + 64);
  EXPECT_EQ(t.bearer.substr(0, 5), "ttpg_");
  EXPECT_EQ(t.bearer.substr(5, 16), t.token.id);
  const std::string secret = t.bearer.substr(22);
  EXPECT_EQ(t.token.secret_sha256, Sha256Hex(secret));
  const std::string raw = AllValues();
  EXPECT_EQ(raw.find(secret), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto listed, tokens.List());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, t.token.id);
  EXPECT_EQ(listed[0].role, Role::kEditor);
  EXPECT_EQ(listed[0].org, "acme");
  EXPECT_EQ(listed[0].description, "CI");
  // Two tokens never share a secret.
  ASSERT_OK_AND_ASSIGN(NewToken u, tokens.Create(Role::kEditor, "acme", 0, "CI"));
  EXPECT_NE(u.bearer, t.bearer);
}

TEST_F(TokenAuditTest, BadTokensAndRolesAreRefused) {
  TokenStore tokens(store_.get());
  EXPECT_THAT(tokens.Create(Role::kEditor, "", 0, "").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.Create(Role::kAdmin, "acme", 0, "").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.Create(Role::kReader, "Bad Org/", 0, "").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRole("root").status(), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("admin, editor or reader")));
  EXPECT_THAT(tokens.Revoke("0123456789abcdef").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(SplitBearer("ttpg_short").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitBearer("too-short").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitBearer(std::string(40, 'a') + " x").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto list, tokens.List());
  EXPECT_TRUE(list.empty());
}

TEST_F(TokenAuditTest, AnOperatorsOwnSecretIsAdoptedUnderADerivedId) {
  TokenStore tokens(store_.get());
  const std::string secret = "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c";  // openssl rand -hex 32
  ASSERT_OK_AND_ASSIGN(auto parts, SplitBearer(secret));
  EXPECT_EQ(parts.first, Sha256Hex(secret).substr(0, 16));
  ASSERT_OK_AND_ASSIGN(Token t, tokens.Adopt(secret, Role::kAdmin, "", "shared"));
  EXPECT_EQ(t.id, parts.first);
  EXPECT_EQ(t.secret_sha256, Sha256Hex(secret));
  EXPECT_THAT(tokens.Adopt(secret, Role::kAdmin, "", "again").status(), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(TokenAuditTest, RevokedTokensAreGoneAndEveryWriteHasItsRecord) {
  TokenStore tokens(store_.get());
  AuditEntry create;
  create.time_ms = 1000;
  create.request_id = "r1";
  create.token_id = "aaaaaaaaaaaaaaaa";
  create.role = "admin";
  create.method = "ttpgraph.v1.TokenService/CreateToken";
  ASSERT_OK_AND_ASSIGN(NewToken t, tokens.Create(Role::kReader, "acme", 0, "", &create));
  EXPECT_TRUE(create.committed);
  AuditEntry revoke = create;
  revoke.time_ms = 2000;
  revoke.request_id = "r2";
  revoke.method = "ttpgraph.v1.TokenService/RevokeToken";
  revoke.org = "acme";
  revoke.Affect(t.token.id);
  ASSERT_OK(tokens.Revoke(t.token.id, &revoke).status());
  ASSERT_OK_AND_ASSIGN(auto list, tokens.List());
  EXPECT_TRUE(list.empty());

  ASSERT_OK_AND_ASSIGN(auto all, ListAuditEntries(*store_, AuditQuery{}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].request_id, "r1");
  EXPECT_EQ(all[1].request_id, "r2");
  EXPECT_EQ(all[1].ids, std::vector<std::string>{t.token.id});
  EXPECT_EQ(all[1].count, 1);
  EXPECT_EQ(all[1].outcome, "OK");

  AuditQuery by_org;
  by_org.org = "acme";
  ASSERT_OK_AND_ASSIGN(auto acme, ListAuditEntries(*store_, by_org));
  ASSERT_EQ(acme.size(), 1u);
  EXPECT_EQ(acme[0].request_id, "r2");
  AuditQuery since;
  since.since_ms = 1500;
  ASSERT_OK_AND_ASSIGN(auto late, ListAuditEntries(*store_, since));
  ASSERT_EQ(late.size(), 1u);
  AuditQuery method;
  method.method = "CreateToken";
  ASSERT_OK_AND_ASSIGN(auto created, ListAuditEntries(*store_, method));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].request_id, "r1");
}

TEST_F(TokenAuditTest, TheRecordIsInTheSameBatchAsTheChange) {
  AuditEntry e;
  e.time_ms = 5;
  e.method = "ttpgraph.v1.OrgService/UpdateInventory";
  e.org = "acme";
  for (int i = 0; i < 150; ++i) e.Affect("id" + std::to_string(i));
  EXPECT_EQ(e.ids.size(), kMaxAuditIds);
  EXPECT_EQ(e.count, 150);
  ASSERT_OK(store_->KvWrite({{Store::KvOp::kPut, "test/k", "v"}}, &e));
  EXPECT_TRUE(e.committed);
  ASSERT_OK_AND_ASSIGN(auto all, ListAuditEntries(*store_, AuditQuery{}));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].count, 150);
  EXPECT_EQ(all[0].ids.size(), kMaxAuditIds);
  // A refused write: the record alone.
  AuditEntry refused = e;
  refused.committed = false;
  refused.outcome = "PERMISSION_DENIED";
  ASSERT_OK(AppendAudit(*store_, refused));
  ASSERT_OK_AND_ASSIGN(all, ListAuditEntries(*store_, AuditQuery{}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].outcome, "PERMISSION_DENIED");
  // Round trip and corruption.
  ASSERT_OK_AND_ASSIGN(AuditEntry back, DecodeAuditEntry(EncodeAuditEntry(refused)));
  EXPECT_EQ(back.ids, refused.ids);
  EXPECT_EQ(back.method, refused.method);
  EXPECT_THAT(DecodeAuditEntry("\xff\xff").status(), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace ttpgraph
