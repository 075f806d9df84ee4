package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewFigure(t *testing.T) {
	for _, c := range []struct {
		in            []float64
		med, min, max float64
	}{
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{7}, 7, 7, 7},
	} {
		f := newFigure(c.in)
		if f.Median != c.med || f.Min != c.min || f.Max != c.max {
			t.Errorf("got newFigure(%v) = %+v, want median %v min %v max %v", c.in, f, c.med, c.min, c.max)
		}
		if len(f.Samples) != len(c.in) || f.Samples[0] != c.in[0] {
			t.Errorf("got samples %v, want %v in run order", f.Samples, c.in)
		}
	}
	if f := newFigure(nil); f != nil {
		t.Errorf("got newFigure(nil) = %+v, want nil", f)
	}
}

func TestRatio(t *testing.T) {
	fig := func(v float64) *Figure { return newFigure([]float64{v}) }
	for _, c := range []struct {
		row  Row
		want float64
	}{
		{Row{HigherIsBetter: true, Netlab: fig(300), GVisor: fig(100)}, 3},
		{Row{HigherIsBetter: false, Netlab: fig(2), GVisor: fig(10)}, 5},
		{Row{HigherIsBetter: false, Netlab: fig(10), GVisor: fig(2)}, 0.2},
		{Row{HigherIsBetter: true, Netlab: fig(300)}, 0},
	} {
		c.row.finish()
		if c.row.Ratio != c.want {
			t.Errorf("got ratio %v for %+v, want %v", c.row.Ratio, c.row, c.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{466_000, "466k"}, {7862, "7862"}, {3.39, "3.39"}, {2, "2"}, {0.00058, "0.00058"}, {1.2e6, "1.2M"}, {0, "0"}} {
		if got := num(c.v); got != c.want {
			t.Errorf("got num(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	if got, want := slug("5 tcp ns/segment, 1000 conns open"), "5-tcp-ns-segment-1000-conns-open"; got != want {
		t.Errorf("got slug = %q, want %q", got, want)
	}
}

func TestReportOutputs(t *testing.T) {
	rep := &Report{Schema: SchemaVersion, GVisor: "v0", GOMAXPROCS: 2, Reps: 1, Rows: []Row{
		{Workload: "1 udp 64B", Unit: "dgrams/s", HigherIsBetter: true, Netlab: newFigure([]float64{2}), GVisor: newFigure([]float64{1})},
		{Workload: "3 tcp bulk", Note: "skipped: no root"},
	}}
	rep.Rows[0].finish()
	var js bytes.Buffer
	if err := rep.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Schema != SchemaVersion || len(back.Rows) != 2 || back.Rows[0].Ratio != 2 || back.Rows[1].Netlab != nil {
		t.Errorf("got %+v back from the JSON, want the report", back)
	}
	var tb bytes.Buffer
	if err := rep.writeTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2.00×", "2 [2–2]", "skipped: no root"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
}
