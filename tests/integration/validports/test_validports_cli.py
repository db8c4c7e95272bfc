#!/usr/bin/python3
"""End-to-end tests of `oaprobe validports` (run by ctest as validports_cli).

usage: test_validports_cli.py PATH/TO/oaprobe

Runs the binary with arguments, stdin and files, and checks exit codes
(0 complete, 1 missing, 2 syntax errors, 3 bad usage), the human output and
the --json document. Every run is bounded by a timeout.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

OAPROBE = None
SP1 = ("EXCH01:6001-6002;EXCH01:6004;"
       "exch01.contoso.local:6001-6002;exch01.contoso.local:6004")
KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Rpc\RpcProxy"


def run(*args, stdin=b"", timeout=30):
    """Runs oaprobe validports ARGS; returns (exit code, stdout, stderr)."""
    p = subprocess.run([OAPROBE, "validports", *args], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, check=False)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_json(*args, stdin=b""):
    code, out, err = run(*args, "--json", stdin=stdin)
    return code, json.loads(out), err


class Acceptance(unittest.TestCase):
    def test_missing_fqdn_entries(self):
        code, out, err = run("EXCH01:6001-6002;EXCH01:6004",
                             "--names", "EXCH01,exch01.contoso.local")
        self.assertEqual(code, 1, out + err)
        missing = out.split("Missing", 1)[1].split("\n\n", 1)[0] + "\n"
        self.assertIn("  exch01.contoso.local:6001-6002\n", missing)
        self.assertIn("  exch01.contoso.local:6004\n", missing)
        self.assertNotIn("EXCH01:", missing)
        self.assertIn("Corrected value:\nEXCH01:6001-6002;EXCH01:6004;"
                      "exch01.contoso.local:6001-6002;exch01.contoso.local:6004\n", out)
        self.assertIn("Remedy:", out)
        self.assertIn("System Attendant", out)
        self.assertIn("Information Store", out)
        self.assertIn("ValidPorts_Exchange", out)
        self.assertIn("INCOMPLETE", out)
        self.assertEqual(err, "")

    def test_acceptance_json(self):
        code, doc, _ = run_json("EXCH01:6001-6002;EXCH01:6004",
                                "--names", "EXCH01,exch01.contoso.local")
        self.assertEqual(code, 1)
        self.assertEqual(doc["schema"], "oaprobe.validports/1")
        self.assertEqual(doc["status"], "incomplete")
        self.assertEqual(doc["exit_code"], 1)
        self.assertEqual(doc["names"], ["EXCH01", "exch01.contoso.local"])
        self.assertEqual(doc["ports"], [6001, 6002, 6004])
        self.assertEqual(len(doc["checks"]), 6)
        self.assertEqual(doc["checks"][0], {"name": "EXCH01", "port": 6001,
                                            "allowed": True, "entry": 1})
        self.assertEqual(doc["missing"], [
            {"name": "exch01.contoso.local", "port": p} for p in (6001, 6002, 6004)])
        self.assertEqual(doc["added"], ["exch01.contoso.local:6001-6002",
                                        "exch01.contoso.local:6004"])
        self.assertEqual(doc["corrected_value"], "EXCH01:6001-6002;EXCH01:6004;"
                         "exch01.contoso.local:6001-6002;exch01.contoso.local:6004")
        self.assertTrue(doc["changed"])
        self.assertTrue(doc["corrected_fits"])
        self.assertEqual([e["text"] for e in doc["entries"]],
                         ["EXCH01:6001-6002", "EXCH01:6004"])
        self.assertEqual(doc["entries"][0]["low"], 6001)
        self.assertEqual(doc["entries"][0]["high"], 6002)
        self.assertEqual(doc["input"]["source"], "argument")
        self.assertEqual(doc["input"]["value_name"], "ValidPorts")
        self.assertTrue(any("reg add" in line for line in doc["remedy"]))
        self.assertEqual(doc["diagnostics"], [])


class ExitCodes(unittest.TestCase):
    def test_complete(self):
        code, out, _ = run(SP1, "--names", "exch01,EXCH01.contoso.local")
        self.assertEqual(code, 0, out)
        self.assertIn("COMPLETE", out)
        self.assertIn("No change needed.", out)
        self.assertNotIn("Remedy:", out)

    def test_parse_only(self):
        code, out, _ = run("Rosco:593;Rosco:2000-8000;Data*:4000-8000")
        self.assertEqual(code, 0, out)
        self.assertIn("PARSED", out)
        self.assertIn("every name that starts with 'Data'", out)
        code, doc, _ = run_json("Rosco:593;Rosco:2000-8000;Data*:4000-8000")
        self.assertEqual((code, doc["status"]), (0, "parsed"))
        self.assertTrue(doc["entries"][2]["wildcard"])
        self.assertEqual(doc["entries"][2]["name"], "Data")

    def test_syntax_error(self):
        code, out, _ = run("EXCH01:6001-6002;EXCH01:6004;EXCH01:60a1", "--names", "EXCH01")
        self.assertEqual(code, 2, out)
        self.assertIn("entry 3 'EXCH01:60a1' col 39: port '60a1' is not a number", out)
        self.assertIn("1 broken entry left out", out)
        code, doc, _ = run_json("EXCH01:6001-6002;EXCH01:6004;EXCH01:60a1")
        self.assertEqual((code, doc["status"], doc["errors"]), (2, "invalid", 1))
        d = doc["diagnostics"][0]
        self.assertEqual((d["severity"], d["code"], d["entry"], d["column"], d["token"]),
                         ("error", "port_not_number", 3, 39, "60a1"))
        self.assertEqual(d["entry_text"], "EXCH01:60a1")
        self.assertEqual(d["message"],
                         "entry 3 'EXCH01:60a1' col 39: port '60a1' is not a number")

    def test_errors_beat_missing(self):
        code, _, _ = run("fe80::1:6001", "--names", "EXCH01")
        self.assertEqual(code, 2)

    def test_warnings_only(self):
        code, out, _ = run("EXCH01:6001-6002;EXCH01:6004;;", "--names", "EXCH01")
        self.assertEqual(code, 0, out)
        self.assertIn("Warnings (2)", out)
        self.assertIn("Corrected value:\nEXCH01:6001-6002;EXCH01:6004\n", out)

    def test_custom_ports(self):
        code, doc, _ = run_json("EXCH01:6001-6002;EXCH01:6004", "--names", "EXCH01",
                                "--ports", "6001-6004")
        self.assertEqual(code, 1)
        self.assertEqual(doc["ports"], [6001, 6002, 6003, 6004])
        self.assertEqual(doc["added"], ["EXCH01:6003"])

    def test_findings(self):
        value = "EXCH01:6001-6002;EXCH01:6002;OLD01:6001;EX*:6004"
        code, out, _ = run(value, "--names", "EXCH01")
        self.assertEqual(code, 0, out)
        self.assertIn("entries 1 'EXCH01:6001-6002' and 2 'EXCH01:6002' both allow port 6002", out)
        self.assertIn("entry 2 'EXCH01:6002', covered by entry 1", out)
        self.assertIn("entry 3 'OLD01:6001'", out)
        self.assertIn("entry 4 'EX*:6004' matches EXCH01", out)
        code, doc, _ = run_json(value, "--names", "EXCH01")
        self.assertEqual(doc["overlaps"], [{"entries": [1, 2], "low": 6002, "high": 6002}])
        self.assertEqual(doc["redundant"], [{"entry": 2, "covered_by": [1]}])
        self.assertEqual(doc["unlisted"], [3])
        self.assertEqual(doc["broad_wildcards"], [{"entry": 4, "matches": ["EXCH01"]}])
        self.assertTrue(doc["entries"][1]["redundant"])


class Inputs(unittest.TestCase):
    def test_stdin(self):
        for args in ((), ("-",), ("--file", "-")):
            code, out, _ = run(*args, "--names", "EXCH01,exch01.contoso.local",
                               stdin=b"EXCH01:6001-6002;EXCH01:6004\r\n")
            self.assertEqual(code, 1, args)
            self.assertIn("ValidPorts (stdin)", out)
            self.assertIn(";exch01.contoso.local:6004\n", out)

    def test_file_and_reg_utf16(self):
        reg = ("Windows Registry Editor Version 5.00\r\n\r\n[%s]\r\n"
               "\"ValidPorts\"=\"CAS01:593;CAS01:49152-65535\"\r\n"
               "\"ValidPorts_Exchange\"=\"CAS01:6001-6002;CAS01:6004\"\r\n\r\n" % KEY)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rpcproxy.reg")
            with open(path, "wb") as f:
                f.write(b"\xff\xfe" + reg.encode("utf-16-le"))
            code, out, _ = run("--file", path, "--names", "CAS01")
            self.assertEqual(code, 0, out)
            self.assertIn("ValidPorts_Exchange (%s, .reg file, line 5, utf-16le)" % path, out)
            self.assertIn("also in the input: ValidPorts line 4", out)
            code, doc, _ = run_json("--file", path, "--names", "CAS01")
            self.assertEqual(doc["input"]["format"], "reg_file")
            self.assertEqual(doc["input"]["encoding"], "utf-16le")
            self.assertEqual(doc["input"]["value_name"], "ValidPorts_Exchange")
            self.assertEqual(doc["input"]["line"], 5)
            self.assertEqual(doc["input"]["key"], KEY)
            self.assertEqual(doc["input"]["file"], path)
            self.assertEqual(doc["input"]["other_values"], [{"value_name": "ValidPorts", "line": 4}])
            code, doc, _ = run_json("--file", path, "--names", "CAS01", "--value", "ValidPorts")
            self.assertEqual((code, doc["value"]), (1, "CAS01:593;CAS01:49152-65535"))
            self.assertTrue(any("/v ValidPorts " in l for l in doc["remedy"]))
            code, _, err = run("--file", path, "--value", "Enabled")
            self.assertEqual(code, 3)
            self.assertIn("no value named 'Enabled'", err)

    def test_reg_line_argument(self):
        code, doc, _ = run_json('"ValidPorts_Exchange"="CAS01:6001-6002;CAS01:6004"',
                                "--names", "CAS01")
        self.assertEqual((code, doc["input"]["format"], doc["input"]["value_name"]),
                         (0, "reg_lines", "ValidPorts_Exchange"))

    def test_reg_query_stdin(self):
        q = ("\r\n%s\r\n    ValidPorts    REG_SZ    EXCH01:6001-6002;EXCH01:6004\r\n" % KEY)
        code, doc, _ = run_json("--names", "EXCH01", stdin=q.encode())
        self.assertEqual((code, doc["input"]["format"]), (0, "reg_query"))

    def test_broken_reg(self):
        code, _, err = run('"ValidPorts"=hex(2):41,00,00,00')
        self.assertEqual(code, 2)
        self.assertIn("line 1", err)
        self.assertIn("REG_EXPAND_SZ", err)
        code, _, err = run(stdin=b"Windows Registry Editor Version 5.00\r\n\r\n[X]\r\n")
        self.assertEqual(code, 3)
        self.assertIn("no ValidPorts", err)

    def test_hostile_bytes(self):
        code, out, _ = run(stdin=b"A:1\x1b[31m;\xff\xfe:1")
        self.assertEqual(code, 2)
        self.assertNotIn("\x1b", out)
        self.assertIn("\\x1b", out)
        code, doc, _ = run_json(stdin=b"A:1;\xc3(:1")  # invalid UTF-8 still gives valid JSON
        self.assertEqual(code, 2)
        self.assertEqual(doc["value"], "A:1;?(:1")


class Usage(unittest.TestCase):
    def check(self, args, needle, stdin=b""):
        code, out, err = run(*args, stdin=stdin)
        self.assertEqual(code, 3, (args, out, err))
        self.assertEqual(out, "")
        self.assertIn(needle, err)

    def test_bad_usage(self):
        self.check(["A:1", "--bogus"], "unknown option '--bogus'")
        self.check(["A:1", "-x"], "unknown option '-x'")
        self.check(["A:1", "--ports", "6001,x"], "bad --ports '6001,x'")
        self.check(["A:1", "--ports", "70000"], "out of range")
        self.check(["A:1", "--ports", "1-300"], "more than 256 ports")
        self.check(["A:1", "--names", "a b"], "bad --names")
        self.check(["A:1", "--names", "EX*"], "bad --names")
        self.check(["A:1", "--names", "A,,B"], "an item is empty")
        self.check(["A:1", "--names"], "needs an argument")
        self.check(["--file", "/nonexistent/rpcproxy.reg"], "cannot read '/nonexistent/rpcproxy.reg'")
        self.check(["--file", "/"], "cannot read '/'")
        self.check(["A:1", "--file", "x"], "not both")
        self.check(["A:1", "B:2"], "unexpected argument 'B:2'")

    def test_no_value_on_a_terminal(self):
        import pty
        master, slave = pty.openpty()
        try:
            p = subprocess.run([OAPROBE, "validports", "--names", "EXCH01"], stdin=slave,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                               check=False)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 3)
        self.assertIn(b"no value given", p.stderr)

    def test_too_big(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"a" * (1024 * 1024 + 1))
            f.flush()
            self.check(["--file", f.name], "larger than 1 MiB")

    def test_help(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("usage: oaprobe validports", out)
        self.assertIn("--names", out)


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: test_validports_cli.py PATH/TO/oaprobe")
    OAPROBE = sys.argv.pop(1)
    unittest.main(verbosity=2)
