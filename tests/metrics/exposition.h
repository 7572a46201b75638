#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace capstan::metrics::testing {

// A parsed Prometheus text exposition: just enough to assert on in tests.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;  // as printed
};

class Exposition {
 public:
  explicit Exposition(const std::string& text) : text_(text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      lines_.push_back(line);
      if (line.empty() || line[0] == '#') continue;
      samples_.push_back(ParseSample(line));
    }
  }

  const std::vector<std::string>& lines() const { return lines_; }
  const std::vector<Sample>& samples() const { return samples_; }
  bool HasLine(const std::string& line) const {
    for (const std::string& l : lines_) {
      if (l == line) return true;
    }
    return false;
  }

  // The value of the sample with exactly these name and labels, or nullopt.
  std::optional<double> Value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& s : samples_) {
      if (s.name == name && s.labels == labels) return std::stod(s.value);
    }
    return std::nullopt;
  }

  // All samples of `name` whose labels include `subset`.
  std::vector<Sample> Find(const std::string& name,
                           const std::map<std::string, std::string>& subset = {}) const {
    std::vector<Sample> out;
    for (const Sample& s : samples_) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : subset) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) match = false;
      }
      if (match) out.push_back(s);
    }
    return out;
  }

  const std::string& text() const { return text_; }

 private:
  static Sample ParseSample(const std::string& line) {
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name.push_back(line[i++]);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::string key;
        while (line[i] != '=') key.push_back(line[i++]);
        i += 2;  // ="
        std::string value;
        while (line[i] != '"') {
          if (line[i] == '\\') {
            ++i;
            value.push_back(line[i] == 'n' ? '\n' : line[i]);
          } else {
            value.push_back(line[i]);
          }
          ++i;
        }
        ++i;  // closing quote
        if (line[i] == ',') ++i;
        s.labels[key] = value;
      }
      ++i;  // }
    }
    while (i < line.size() && line[i] == ' ') ++i;
    s.value = line.substr(i, line.find(' ', i) - i);
    return s;
  }

  std::string text_;
  std::vector<std::string> lines_;
  std::vector<Sample> samples_;
};

}  // namespace capstan::metrics::testing
