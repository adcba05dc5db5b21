// ttpctl extension ...: an organization's custom extensions (issue 12): STIX
// objects layered on one base release, versioned, with per-object history.
#include <algorithm>
#include <cstdio>

#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

using Extensions = v1::ExtensionService::Stub;

std::string XFields(const v1::ExtensionObject& o) {
  std::vector<std::string> parts;
  for (auto& [k, v] : o.x_fields()) parts.push_back(k + "=" + v);
  std::sort(parts.begin(), parts.end());
  return Join(parts, " ");
}

void PrintExtension(const v1::Extension& e) {
  printf("%s/%s on %s: version %lld, %d objects, IDs %s-*, updated %s\n", e.org_id().c_str(), e.name().c_str(),
         e.base_release().c_str(), static_cast<long long>(e.version()), e.object_count(), e.prefix().c_str(),
         e.updated_at().c_str());
}

int ExtensionCreate(Client& c, const Args& a) {
  v1::CreateExtensionRequest req;
  req.set_org_id(a.Org());
  req.set_name(a.operands[0]);
  req.set_release(a.Get("--release"));
  req.set_prefix(a.Get("--prefix"));
  req.set_description(a.Get("--description"));
  v1::Extension resp;
  Check(c.Call(&Extensions::CreateExtension, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  PrintExtension(resp);
  return 0;
}

int ExtensionImport(Client& c, const Args& a) {
  v1::ImportExtensionObjectsRequest req;
  req.set_org_id(a.Org());
  req.set_name(a.operands[0]);
  for (size_t i = 1; i < a.operands.size(); ++i) {
    auto* f = req.add_files();
    f->set_name(BaseName(a.operands[i]));
    f->set_content(ReadFileOrDie(a.operands[i]));
  }
  v1::ImportExtensionObjectsResponse resp;
  Check(c.Call(&Extensions::ImportExtensionObjects, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("%d added, %d edited, %d unchanged\n", resp.added(), resp.edited(), resp.unchanged());
  for (auto& id : resp.assigned_ids()) printf("assigned %s to %s\n", id.attack_id().c_str(), id.stix_id().c_str());
  PrintExtension(resp.extension());
  return 0;
}

int ExtensionList(Client& c, const Args& a) {
  v1::ListExtensionsRequest req;
  req.set_org_id(a.Org());
  v1::ListExtensionsResponse resp;
  Check(c.CallAllPages(&Extensions::ListExtensions, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& e : resp.extensions())
    rows.push_back({e.name(), e.base_release(), std::to_string(e.version()), std::to_string(e.object_count()),
                    e.prefix(), e.updated_at()});
  PrintTable({"NAME", "BASE RELEASE", "VERSION", "OBJECTS", "PREFIX", "UPDATED"}, rows);
  return 0;
}

int ExtensionShow(Client& c, const Args& a) {
  v1::GetExtensionRequest req;
  req.set_org_id(a.Org());
  req.set_name(a.operands[0]);
  req.set_include_json(a.Has("--stix"));
  v1::GetExtensionResponse resp;
  Check(c.Call(&Extensions::GetExtension, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  PrintExtension(resp.extension());
  std::vector<std::vector<std::string>> rows;
  for (auto& o : resp.objects())
    rows.push_back({o.attack_id().empty() ? "-" : o.attack_id(), o.type(), o.name(),
                    o.custom() ? "custom" : "edited", XFields(o)});
  PrintTable({"ID", "TYPE", "NAME", "KIND", "CUSTOM FIELDS"}, rows);
  return 0;
}

int ExtensionHistory(Client& c, const Args& a) {
  v1::GetExtensionHistoryRequest req;
  req.set_org_id(a.Org());
  req.set_name(a.operands[0]);
  req.set_object_id(a.Get("--object"));
  v1::GetExtensionHistoryResponse resp;
  Check(c.CallAllPages(&Extensions::GetExtensionHistory, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& h : resp.changes())
    rows.push_back({std::to_string(h.version()), h.time(), h.token_id().empty() ? "-" : h.token_id(), h.action(),
                    h.stix_id(), JoinStrings(h.fields(), ",")});
  PrintTable({"VERSION", "TIME", "TOKEN", "ACTION", "OBJECT", "FIELDS"}, rows);
  return 0;
}

int ExtensionDelete(Client& c, const Args& a) {
  const std::string org = a.Org();
  Confirm(a, "delete extension " + org + "/" + a.operands[0] + " with all its objects and history");
  v1::DeleteExtensionRequest req;
  req.set_org_id(org);
  req.set_name(a.operands[0]);
  v1::Extension resp;
  Check(c.Call(&Extensions::DeleteExtension, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  printf("deleted extension %s/%s (%d objects)\n", resp.org_id().c_str(), resp.name().c_str(), resp.object_count());
  return 0;
}

int ExtensionSet(Client& c, const Args& a) {
  v1::SetExtensionFieldRequest req;
  req.set_org_id(a.Org());
  req.set_name(a.operands[0]);
  req.set_object_id(a.operands[1]);
  const std::string& assignment = a.operands[2];
  const size_t eq = assignment.find('=');
  if (a.Has("--unset")) {
    if (eq != std::string::npos) UsageError(a, "with --unset give the field alone: " + assignment.substr(0, eq));
    req.set_field(assignment);
    req.set_unset(true);
  } else {
    if (eq == std::string::npos || eq == 0)
      UsageError(a, "give FIELD=VALUE (x_acme_sector=finance), or FIELD with --unset: '" + assignment + "'");
    req.set_field(assignment.substr(0, eq));
    req.set_value(assignment.substr(eq + 1));
  }
  v1::SetExtensionFieldResponse resp;
  Check(c.Call(&Extensions::SetExtensionField, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  const auto& o = resp.object();
  printf("%s %s (%s): %s\n", o.attack_id().empty() ? o.stix_id().c_str() : o.attack_id().c_str(), o.name().c_str(),
         o.custom() ? "custom" : "edited", XFields(o).c_str());
  PrintExtension(resp.extension());
  return 0;
}

int ExtensionExport(Client& c, const Args& a) {
  v1::ExportExtensionRequest req;
  req.set_org_id(a.Org());
  req.set_name(a.operands[0]);
  req.set_merged(a.Has("--merged"));
  req.set_collection_index(a.Has("--collection-index"));
  req.set_url(a.Get("--url"));
  v1::ExportExtensionResponse resp;
  Check(c.Call(&Extensions::ExportExtension, req, &resp));
  WriteDocument(a, resp.document());  // JSON already (--json changes nothing)
  return 0;
}

}  // namespace

void AddExtensionCommands(CommandTable& t) {
  t.Add("extension create", ExtensionCreate)
      .Operands("NAME", 1, 1)
      .Summary("Creates an empty extension of the organization on a base release (editor).")
      .Details(
          "An extension is a named, versioned set of STIX objects layered on one release: new\n"
          "techniques, groups, software, campaigns, mitigations and their relationships, and new\n"
          "versions of MITRE objects with x_ fields. MITRE's release is never changed. Custom objects\n"
          "get ATT&CK IDs under --prefix (ACME-T0001), assigned when a bundle gives none.")
      .Flags({OrgFlag(), ReleaseFlag(),
              Value("--prefix", FlagType::kString, "PREFIX", "the ID prefix of custom objects")
                  .Default("", "the organization id in capitals"),
              Value("--description", FlagType::kString, "TEXT", "what the extension holds")})
      .Example("ttpctl --org acme extension create main --release enterprise-attack@18.1 --prefix ACME");
  t.Add("extension import", ExtensionImport)
      .Operands("NAME FILE...", 2, -1)
      .Summary("Adds or updates the objects of STIX bundles (or Workbench collections) in one write.")
      .Details(
          "All files land or none does. Refused with INVALID_ARGUMENT and nothing written: invalid\n"
          "STIX, a custom object with an ATT&CK ID outside the prefix, a relationship to an object in\n"
          "neither the release nor the extension, a field without x_ added to a MITRE object.")
      .Flags({OrgFlag()})
      .Example("ttpctl --org acme extension import main acme-groups.json acme-techniques.json");
  t.Add("extension list", ExtensionList)
      .Summary("Lists the organization's extensions.")
      .Flags({OrgFlag()})
      .Example("ttpctl --org acme extension list --json");
  t.Add("extension show", ExtensionShow)
      .Operands("NAME", 1, 1)
      .Summary("Shows an extension and its objects (custom ones and edited MITRE ones, with x_ fields).")
      .Flags({OrgFlag(), Switch("--stix", "each object's STIX JSON too (stix_json, with --json)")})
      .Example("ttpctl --org acme extension show main");
  t.Add("extension history", ExtensionHistory)
      .Operands("NAME", 1, 1)
      .Summary("Shows every change of an extension's objects: version, time, token, fields changed.")
      .Flags({OrgFlag(), Value("--object", FlagType::kString, "ID", "one object (ATT&CK ID or STIX id)")})
      .Example("ttpctl --org acme extension history main --object G0016");
  t.Add("extension delete", ExtensionDelete)
      .Operands("NAME", 1, 1)
      .Summary("Deletes an extension with its objects and history (asks first on a terminal).")
      .Flags({OrgFlag(), YesFlag()})
      .Example("ttpctl --org acme extension delete main --yes");
  t.Add("extension set", ExtensionSet)
      .Operands("NAME OBJECT_ID FIELD=VALUE", 3, 3)
      .Summary("Sets (or with --unset removes) a field of a MITRE or custom object: a new version of it.")
      .Details(
          "VALUE is JSON when it parses as JSON ([\"finance\",\"energy\"], 5, true), else a string.\n"
          "On MITRE objects only custom fields (x_..., not x_mitre_*) may be set.")
      .Flags({OrgFlag(), Switch("--unset", "remove the field (give FIELD alone)")})
      .Example("ttpctl --org acme extension set main G0016 x_acme_sector=finance")
      .Example("ttpctl --org acme extension set main G0016 x_acme_sector --unset");
  t.Add("extension export", ExtensionExport)
      .Operands("NAME", 1, 1)
      .Summary("Writes the extension as a STIX 2.1 bundle with an x-mitre-collection (or its collection index).")
      .Flags({OrgFlag(), Switch("--merged", "the base release's objects too, with the extension's versions in place"),
              Switch("--collection-index", "the collection index JSON (attack-stix-data's index.json layout)"),
              Value("--url", FlagType::kString, "URL", "collection index: where the bundle is published")
                  .Default("", "a relative file name"),
              OutputFlag()})
      .Example("ttpctl --org acme extension export main --merged > acme-merged.json")
      .Example("ttpctl --org acme extension export main --collection-index --url https://cti.acme.example/main.json");
}

}  // namespace ttpctl
