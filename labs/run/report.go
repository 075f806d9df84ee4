package run

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is a step's outcome.
type Status string

// The outcomes a step can have.
const (
	Running Status = "running"
	Passed  Status = "passed"
	Failed  Status = "failed" // an expectation did not hold, or an action failed
	Skipped Status = "skipped"
)

// StepResult is one step's outcome.
type StepResult struct {
	// Index is the step's 1-based position in the lab.
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Status Status `json:"status"`
	// Detail says what happened: "3/3 replies, rtt 2.000/2.000/2.000 ms",
	// or why the step failed.
	Detail string `json:"detail,omitempty"`
	// Want and Got are set when an expectation did not hold: what it
	// wanted and what the runner saw (as in Detail, which says it in a
	// sentence).
	Want string `json:"want,omitempty"`
	Got  string `json:"got,omitempty"`
	// At is the clock time the step started at; Took how long it ran.
	At   time.Duration `json:"-"`
	Took time.Duration `json:"-"`
}

// MarshalJSON writes times in seconds.
func (r StepResult) MarshalJSON() ([]byte, error) {
	type plain StepResult
	return json.Marshal(struct {
		plain
		At   float64 `json:"at_s"`
		Took float64 `json:"took_s"`
	}{plain(r), r.At.Seconds(), r.Took.Seconds()})
}

// Report is a whole run's outcome.
type Report struct {
	// Format versions the JSON form.
	Format string       `json:"format"`
	Lab    string       `json:"lab"`
	Source string       `json:"source"`
	Clock  string       `json:"clock"`
	Seed   uint64       `json:"seed"`
	Passed bool         `json:"passed"`
	Steps  []StepResult `json:"steps"`
	// Error is set when the run could not finish: stuck, interrupted, or
	// the world could not be built.
	Error string `json:"error,omitempty"`
	// Processes are the commands exec steps ran in the background, with
	// their output.
	Processes []ProcessReport `json:"processes,omitempty"`
	// Interrupted reports a run ended by its context (a signal).
	Interrupted bool `json:"interrupted,omitempty"`
	// Time is the clock time the run took; Wall the wall time.
	Time time.Duration `json:"-"`
	Wall time.Duration `json:"-"`
}

// ReportFormat is the version of Report's JSON form.
const ReportFormat = "netlab.run/v1"

// MarshalJSON writes times in seconds.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		*plain
		Time float64 `json:"time_s"`
		Wall float64 `json:"wall_s"`
	}{(*plain)(r), r.Time.Seconds(), r.Wall.Seconds()})
}

// Summary is a one-line verdict: "quickstart: 7/7 steps passed in 0.523s
// of virtual time (12ms wall)".
func (r *Report) Summary() string {
	passed := 0
	for _, s := range r.Steps {
		if s.Status == Passed {
			passed++
		}
	}
	verdict := "passed"
	if !r.Passed {
		verdict = "FAILED"
	}
	s := fmt.Sprintf("%s: %s, %d/%d steps passed in %v of %s time (%v wall)",
		r.Lab, verdict, passed, len(r.Steps), r.Time.Round(time.Microsecond), r.Clock, r.Wall.Round(10*time.Microsecond))
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}
