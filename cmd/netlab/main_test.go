package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/internal/crash"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIStdin(t, "", args...)
}

// runCLIStdin runs the command line args with stdin as its input.
func runCLIStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = executeWith(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunQuickstartPasses(t *testing.T) {
	code, out, errs := runCLI(t, "run", "quickstart")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"✔  1", "ping b → a", "3/3 replies", "quickstart: passed, 9/9 steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunJSONIsVersioned(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--json", "router")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var rep struct {
		Format string
		Passed bool
		Steps  []struct{ Status string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Format != "netlab.run/v1" || !rep.Passed || len(rep.Steps) == 0 {
		t.Fatalf("got %+v", rep)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "failing.yaml")
	os.WriteFile(failing, []byte(`name: failing
nodes:
  a: {kind: stack, interfaces: {eth0: {address: 10.0.0.1/24}}}
steps:
  - ping: {from: a, to: 10.0.0.9, count: 1}
  - expect: {ping-replies: 1}
`), 0o644)
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("name: broken\nnodes:\n  a: {kind: router}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"run", failing}, exitFailed, ""},
		{[]string{"run", broken}, exitBadInput, "broken.yaml:3"},
		{[]string{"run", "no-such-lab"}, exitBadInput, "no-such-lab"},
		{[]string{"validate", broken}, exitBadInput, "broken.yaml:3"},
		{[]string{"frobnicate"}, exitBadInput, "unknown command"},
		{[]string{"run"}, exitBadInput, "accepts 1 arg"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs+out, tc.err) {
			t.Errorf("netlab %s: got exit %d, output %q %q; want exit %d mentioning %q", strings.Join(tc.args, " "), code, out, errs, tc.code, tc.err)
		}
	}
}

func TestLabsAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, "labs")
	if code != exitOK || !strings.Contains(out, "quickstart") || !strings.Contains(out, "router") {
		t.Errorf("labs: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "labs", "--json")
	if code != exitOK || !strings.Contains(out, `"format":"netlab.labs/v1"`) {
		t.Errorf("labs --json: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "netlab ") {
		t.Errorf("version: exit %d %q", code, out)
	}
}

func TestCompletionKnowsLabNames(t *testing.T) {
	code, out, _ := runCLI(t, "__complete", "run", "qu")
	if code != exitOK || !strings.Contains(out, "quickstart") {
		t.Errorf("completion: exit %d\n%s", code, out)
	}
}

func TestLogGoesToTheFile(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "netlab.log")
	code, out, errs := runCLI(t, "run", "--log", logFile, "quickstart")
	if code != exitOK {
		t.Fatalf("exit %d %s %s", code, out, errs)
	}
	data, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(data), "msg=step") {
		t.Fatalf("log file: %v\n%s", err, data)
	}
	if strings.Contains(out+errs, "msg=") {
		t.Errorf("logs reached the terminal:\n%s%s", out, errs)
	}
}

// TestRunReportsANetlabGoroutinePanic: with crash recovery on (main's), a
// panic on one of netlab's own goroutines ends `netlab run` at once with
// exit 1, the panic as the run's error and its trace on stderr.
func TestRunReportsANetlabGoroutinePanic(t *testing.T) {
	crash.Enable()
	defer crash.Reset()
	path := filepath.Join(t.TempDir(), "long.yaml")
	lab := "name: long\nnodes:\n  a: {kind: stack, interfaces: {eth0: {address: 10.0.0.1/24}}}\nsteps:\n  - wait: 1h\n"
	if err := os.WriteFile(path, []byte(lab), 0o644); err != nil {
		t.Fatal(err)
	}
	plantNetlabPanic()
	start := time.Now()
	code, out, errs := runCLI(t, "run", "--speed", "1", path) // paced: the wait takes an hour
	if code != exitFailed || time.Since(start) > time.Minute {
		t.Fatalf("exit %d after %v, want 1 at once\n%s%s", code, time.Since(start), out, errs)
	}
	if !strings.Contains(out, "netlab's planted goroutine panicked: planted: a netlab goroutine") ||
		!strings.Contains(errs, "netlab: netlab's planted goroutine panicked: planted: a netlab goroutine\n\ngoroutine ") {
		t.Fatalf("the report does not say what panicked, or where:\n%s\nstderr:\n%s", out, errs)
	}
}
