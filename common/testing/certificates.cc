#include "common/testing/certificates.h"

#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/subprocess.h"

namespace chibo::testing {
namespace {

constexpr char kOpenSsl[] = "/usr/bin/openssl";

}  // namespace

bool MakeTestCertificates(const std::string& dir) {
  auto run = [](std::vector<std::string> argv) {
    int status = 0;
    RunCommand(argv, &status);
    return status == 0;
  };
  std::ofstream(dir + "/server.ext")
      << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  bool ok = run({kOpenSsl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days",
                 "2", "-subj", "/CN=chibo test CA"});
  for (const std::string name : {"server", "scheduling", "stranger"}) {
    const std::string cn =
        name == "server" ? "localhost" : absl::StrCat(name, ".chibo");
    ok = ok && run({kOpenSsl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    dir + "/" + name + ".key", "-out",
                    dir + "/" + name + ".csr", "-subj", "/CN=" + cn});
    std::vector<std::string> sign = {kOpenSsl,
                                     "x509",
                                     "-req",
                                     "-in",
                                     dir + "/" + name + ".csr",
                                     "-CA",
                                     dir + "/ca.pem",
                                     "-CAkey",
                                     dir + "/ca.key",
                                     "-CAcreateserial",
                                     "-out",
                                     dir + "/" + name + ".pem",
                                     "-days",
                                     "2"};
    if (name == "server") {
      sign.push_back("-extfile");
      sign.push_back(dir + "/server.ext");
    }
    ok = ok && run(sign);
  }
  return ok;
}

}  // namespace chibo::testing
