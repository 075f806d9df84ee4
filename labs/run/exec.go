package run

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/netlab/netlab/labs"
)

// ProcessReport is a command an exec step ran in the background: what it
// wrote until the run ended and it was killed.
type ProcessReport struct {
	Node string `json:"node"`
	Run  string `json:"run"`
	Pid  int    `json:"pid"`
	// Exit is its exit code, -1 when it was killed (as daemons are).
	Exit   int    `json:"exit"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// String says how the command ended: "exit 0 in 2.004s".
func (e *execResult) String() string {
	if e.timedOut {
		return fmt.Sprintf("killed at its within, after %v", e.took.Round(time.Millisecond))
	}
	return fmt.Sprintf("exit %d in %v", e.exit, e.took.Round(time.Millisecond))
}

// checkExec checks the exit code and output of the latest foreground
// exec.
func (r *runner) checkExec(a *labs.Expect) (string, error) {
	res := r.execs[a.ExecStep]
	if res == nil {
		return "", fmt.Errorf("%w: the exec has not run", errBadExpect)
	}
	if a.Exit != nil && (res.timedOut || res.exit != *a.Exit) {
		return "", &Mismatch{What: "exit code", Want: strconv.Itoa(*a.Exit), Got: res.String() + outputTail(res.output)}
	}
	if a.OutputContains != "" && !strings.Contains(res.output, a.OutputContains) {
		return "", &Mismatch{What: "output", Want: "to contain " + strconv.Quote(a.OutputContains), Got: strconv.Quote(lastBytes(res.output, 300))}
	}
	return res.String(), nil
}

// outputTail returns ", output ending …" for a command's output, or "".
func outputTail(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return ", output ending " + strconv.Quote(lastBytes(s, 200))
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
