#include "orchestrator/task_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace capstan::orchestrator {

namespace fs = std::filesystem;
using model::ErrorCode;
using model::Status;

// A relative path that stays inside its base: no "..", not absolute, not empty.
bool ContainedRelative(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

Status MakeDirs(const std::string& path, fs::perms perms) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::Error(ErrorCode::kIoError, "create " + path + ": " + ec.message());
  if (perms != fs::perms::unknown) {
    fs::permissions(path, perms, ec);
    if (ec) return Status::Error(ErrorCode::kIoError, "chmod " + path + ": " + ec.message());
  }
  return Status::Ok();
}

Status WriteVolumeFile(const std::string& path, const std::string& content, int mode) {
  ::unlink(path.c_str());  // an earlier attempt may have left a read-only file
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return Status::Error(ErrorCode::kIoError, "open " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return Status::Error(ErrorCode::kIoError, "write " + path + ": " + std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, static_cast<mode_t>(mode));
  ::close(fd);
  return Status::Ok();
}

Status WriteHostsFile(const std::string& task_dir, const std::string& content) {
  const std::string path = task_dir + "/hosts";
  // No O_TRUNC unlink dance here: the inode must survive (it is bind-mounted).
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return Status::Error(ErrorCode::kIoError, "open " + path + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return Status::Error(ErrorCode::kIoError, "write " + path + ": " + std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);  // containers may run as any user and must read it
  ::close(fd);
  return Status::Ok();
}

std::string ReadTail(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                             ? size - static_cast<std::streamoff>(max_bytes)
                             : 0;
  in.seekg(start);
  std::string out(static_cast<std::size_t>(size - start), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

Status PrepareTaskVolumes(const LaunchSpec& spec, const std::string& task_dir, bool private_secrets,
                          std::map<std::string, std::string>* volume_dirs) {
  for (const VolumeLaunch& v : spec.volumes) {
    if (!ContainedRelative(v.name)) {
      return Status::Error(ErrorCode::kInvalidArgument, "bad volume name '" + v.name + "'");
    }
    if (v.type == model::VolumeType::kHostPath) {
      (*volume_dirs)[v.name] = v.host_path;
      continue;
    }
    std::string dir = task_dir + "/volumes/" + v.name;
    const bool secret = private_secrets && v.type == model::VolumeType::kSecret;
    fs::perms perms = fs::perms::unknown;
    if (secret) {
      perms = fs::perms::owner_all;
    } else if (!private_secrets && v.type == model::VolumeType::kEmptyDir) {
      perms = fs::perms::all;
    } else if (!private_secrets) {
      perms = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
              fs::perms::others_read | fs::perms::others_exec;
    }
    if (Status s = MakeDirs(dir, perms); !s.ok()) return s;
    for (const VolumeFile& f : v.files) {
      if (!ContainedRelative(f.relative_path)) {
        return Status::Error(ErrorCode::kInvalidArgument,
                             "volume " + v.name + ": bad file path '" + f.relative_path + "'");
      }
      std::string path = dir + "/" + f.relative_path;
      if (Status s = MakeDirs(fs::path(path).parent_path().string()); !s.ok()) return s;
      if (Status s = WriteVolumeFile(path, f.content, secret ? 0400 : f.mode); !s.ok()) return s;
    }
    (*volume_dirs)[v.name] = dir;
  }
  return Status::Ok();
}

}  // namespace capstan::orchestrator
