#include "storage/internal/fault_file_system.h"

#include <string>

namespace ttpgraph::internal {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<DiskFaults> faults,
                    std::string name)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(std::move(faults)), name_(std::move(name)) {}

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    if (!faults_->TakeWrite(data.size())) return NoSpace();
    return target()->Append(data, o, dbg);
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo& v,
                  IODebugContext* dbg) override {
    if (!faults_->TakeWrite(data.size())) return NoSpace();
    return target()->Append(data, o, v, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o, IODebugContext* dbg) override {
    if (!faults_->TakeWrite(data.size())) return NoSpace();
    return target()->PositionedAppend(data, offset, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo& v, IODebugContext* dbg) override {
    if (!faults_->TakeWrite(data.size())) return NoSpace();
    return target()->PositionedAppend(data, offset, o, v, dbg);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    if (faults_->SyncFails()) return SyncError();
    return target()->Sync(o, dbg);
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    if (faults_->SyncFails()) return SyncError();
    return target()->Fsync(o, dbg);
  }
  IOStatus RangeSync(uint64_t offset, uint64_t n, const IOOptions& o, IODebugContext* dbg) override {
    if (faults_->SyncFails()) return SyncError();
    return target()->RangeSync(offset, n, o, dbg);
  }

 private:
  IOStatus NoSpace() {
    faults_->CountFailure();
    return IOStatus::NoSpace("No space left on device (injected)", name_);
  }
  IOStatus SyncError() {
    faults_->CountFailure();
    return IOStatus::IOError("fsync: Input/output error (injected)", name_);
  }
  std::shared_ptr<DiskFaults> faults_;
  std::string name_;
};

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultFileSystem(std::shared_ptr<rocksdb::FileSystem> base, std::shared_ptr<DiskFaults> faults)
      : FileSystemWrapper(std::move(base)), faults_(std::move(faults)) {}
  const char* Name() const override { return "TtpgraphFaultFileSystem"; }

  IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    return Wrap(f, target()->NewWritableFile(f, o, r, dbg), r);
  }
  IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                              std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    return Wrap(f, target()->ReopenWritableFile(f, o, r, dbg), r);
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                             std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    return Wrap(f, target()->ReuseWritableFile(f, old, o, r, dbg), r);
  }
  // Directory syncs (after a new file, the MANIFEST) fail as file syncs do.
  IOStatus NewDirectory(const std::string& name, const IOOptions& io, std::unique_ptr<rocksdb::FSDirectory>* r,
                        IODebugContext* dbg) override {
    IOStatus s = target()->NewDirectory(name, io, r, dbg);
    if (s.ok()) *r = std::make_unique<FaultDirectory>(std::move(*r), faults_);
    return s;
  }

 private:
  class FaultDirectory : public rocksdb::FSDirectoryWrapper {
   public:
    FaultDirectory(std::unique_ptr<rocksdb::FSDirectory> dir, std::shared_ptr<DiskFaults> faults)
        : FSDirectoryWrapper(std::move(dir)), faults_(std::move(faults)) {}
    IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
      if (faults_->SyncFails()) return Fail();
      return FSDirectoryWrapper::Fsync(o, dbg);
    }
    IOStatus FsyncWithDirOptions(const IOOptions& o, IODebugContext* dbg,
                                 const rocksdb::DirFsyncOptions& d) override {
      if (faults_->SyncFails()) return Fail();
      return FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, d);
    }

   private:
    IOStatus Fail() {
      faults_->CountFailure();
      return IOStatus::IOError("fsync of a directory: Input/output error (injected)");
    }
    std::shared_ptr<DiskFaults> faults_;
  };

  IOStatus Wrap(const std::string& name, IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (s.ok()) *r = std::make_unique<FaultWritableFile>(std::move(*r), faults_, name);
    return s;
  }
  std::shared_ptr<DiskFaults> faults_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewFaultFileSystem(std::shared_ptr<rocksdb::FileSystem> base,
                                                        std::shared_ptr<DiskFaults> faults) {
  return std::make_shared<FaultFileSystem>(std::move(base), std::move(faults));
}

}  // namespace ttpgraph::internal
