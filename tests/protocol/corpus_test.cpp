// Replays tests/protocol/corpus: scripted exchanges of bad and odd input
// (*.rsp) and inputs the fuzzer once found troublesome (fuzz/*). Each script
// gets exactly the replies it expects, nothing more, and afterwards the
// server still answers a packet. The script format is in corpus/README.md.
#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include "protocol_client.h"

namespace ebb::rsp::testing {
namespace {

std::string unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    char c = text[++i];
    if (c == 'x' && i + 2 < text.size() + 1) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else if (c == 'n') {
      out.push_back('\n');
    } else if (c == 'r') {
      out.push_back('\r');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> list(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n[0] != '.' && n.size() > suffix.size() &&
          n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
        names.push_back(n);
      }
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Corpus : public ProtocolTest {
 protected:
  void run_script(const std::string& path);
  // Sends a probe and expects the qC answer (after any ack).
  void expect_still_serving();
};

void Corpus::run_script(const std::string& path) {
  std::istringstream lines(read_file(path));
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    SCOPED_TRACE(path + ":" + std::to_string(number));
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(": ");
    ASSERT_NE(colon, std::string::npos) << "bad line: " << line;
    std::string key = line.substr(0, colon);
    std::string value = unescape(line.substr(colon + 2));
    if (key == "send") {
      send_raw(value);
    } else if (key == "send-packet") {
      send_packet(value);
    } else if (key == "send-repeat") {
      size_t space = value.find(' ');
      send_raw(std::string(std::stoul(value.substr(0, space)), value[space + 1]));
    } else if (key == "expect") {
      expect_raw(value);
    } else if (key == "expect-packet") {
      expect_raw(framed(value));
    } else {
      FAIL() << "unknown key: " << key;
    }
  }
  EXPECT_TRUE(quiet_for(50)) << "the server sent more than the script expects";
}

void Corpus::expect_still_serving() {
  send_packet("qC");
  std::string reply = read_packet();
  EXPECT_EQ(reply.substr(0, 2), "QC");
}

TEST_F(Corpus, Scripts) {
  std::vector<std::string> scripts = list(EBB_PROTOCOL_CORPUS_DIR, ".rsp");
  ASSERT_GE(scripts.size(), 10u);
  for (const std::string& name : scripts) {
    SCOPED_TRACE(name);
    target_ = FakeTarget();
    start();
    run_script(std::string(EBB_PROTOCOL_CORPUS_DIR) + "/" + name);
    expect_still_serving();
    stop();
  }
}

// Raw inputs the fuzzer kept: whatever they do, the server must answer or end
// the session in order, never crash or hang.
TEST_F(Corpus, FuzzRegressions) {
  std::string dir = std::string(EBB_PROTOCOL_CORPUS_DIR) + "/fuzz";
  for (const std::string& name : list(dir, "")) {
    SCOPED_TRACE(name);
    target_ = FakeTarget();
    start();
    send_raw(read_file(dir + "/" + name));
    // "xx" completes any checksum left open; '$' then starts the probe, a
    // monitor command whose echo cannot come from anything else.
    std::string probe = "corpus-probe-" + name;
    send_raw("xx" + framed("qRcmd," + to_hex(std::string_view(probe))));
    std::string echo = to_hex(std::string_view("ran: " + probe));
    std::string seen;
    while (seen.find(echo) == std::string::npos) {
      char buf[4096];
      pollfd p{client_, POLLIN, 0};
      ASSERT_GT(::poll(&p, 1, 5000), 0) << "the server hung";
      ssize_t n = ::recv(client_, buf, sizeof buf, 0);
      if (n <= 0) break;  // the input ended the session (D, k): fine
      seen.append(buf, static_cast<size_t>(n));
    }
    stop();
  }
}

}  // namespace
}  // namespace ebb::rsp::testing
