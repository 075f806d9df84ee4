package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLab writes a lab file into a temporary directory.
func writeLab(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const twoMistakes = `name: two
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
steps:
  - ping: {from: b, to: 10.0.0.300}
`

func TestValidateShowsEveryErrorWithItsLine(t *testing.T) {
	bad := writeLab(t, "two.yaml", twoMistakes)
	good := writeLab(t, "good.yaml", "name: good\nnodes: {a: {}}\n")
	code, out, errs := runCLI(t, "validate", good, bad)
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitBadInput, out, errs)
	}
	if !strings.Contains(out, good+": ok (lab good: 1 nodes, 0 links, 0 steps)") {
		t.Errorf("stdout lacks the good file:\n%s", out)
	}
	want := bad + `:5:18: error: steps[0].ping.from: unknown node "b" (did you mean "a"?)
 5 |   - ping: {from: b, to: 10.0.0.300}
   |                  ^
` + bad + `:5:25: error: steps[0].ping.to: not an IPv4 address: "10.0.0.300"
 5 |   - ping: {from: b, to: 10.0.0.300}
   |                         ^~~~~~~~~~
` + bad + `: 2 errors
`
	if errs != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errs, want)
	}
	if strings.Contains(errs, "\x1b[") {
		t.Errorf("colors on a pipe:\n%q", errs)
	}
}

func TestValidateJSON(t *testing.T) {
	bad := writeLab(t, "two.yaml", twoMistakes)
	code, out, errs := runCLI(t, "validate", "--json", bad)
	if code != exitBadInput || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var rep struct {
		Format string
		Valid  bool
		Files  []struct {
			File   string
			Valid  bool
			Errors []struct {
				Line, Column  int
				Path, Message string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Format != "netlab.validate/v1" || rep.Valid || len(rep.Files) != 1 || len(rep.Files[0].Errors) != 2 {
		t.Fatalf("got %+v", rep)
	}
	if e := rep.Files[0].Errors[1]; e.Line != 5 || e.Column != 25 || e.Path != "steps[0].ping.to" || !strings.Contains(e.Message, "10.0.0.300") {
		t.Errorf("error = %+v", e)
	}
}

func TestValidateStdinAndMissingFiles(t *testing.T) {
	code, out, errs := runCLIStdin(t, "name: in\nnodes: {a: }\n", "validate", "-")
	if code != exitOK || !strings.Contains(out, "-: ok") {
		t.Errorf("validate - : exit %d %q %q", code, out, errs)
	}
	code, _, errs = runCLIStdin(t, "name: in\n", "validate", "-")
	if code != exitBadInput || !strings.HasPrefix(errs, "<stdin>:1:1: error: missing nodes\n 1 | name: in\n") {
		t.Errorf("validate - : exit %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "validate", filepath.Join(t.TempDir(), "nope.yaml"))
	if code != exitBadInput || !strings.Contains(errs, "no such file") {
		t.Errorf("validate nope.yaml: exit %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "validate"); code != exitBadInput {
		t.Errorf("validate without files: exit %d", code)
	}
}

// TestBadLabsShowTheirLines checks that run reports a lab's mistakes as
// validate does.
func TestBadLabsShowTheirLines(t *testing.T) {
	bad := writeLab(t, "two.yaml", twoMistakes)
	code, _, errs := runCLI(t, "run", bad)
	if code != exitBadInput || !strings.Contains(errs, "   |                         ^~~~~~~~~~\n") || strings.Count(errs, "error:") != 2 {
		t.Errorf("run: exit %d\n%s", code, errs)
	}
}
