package ui

import (
	"regexp"
	"strings"
	"testing"
)

// More runs of the whole program through teatest, read on the screen:
// TCP from the Sockets panel and a DHCP client from the Interfaces panel.

// TestTeatestTCP listens on a's port 8080 from the Sockets panel, connects
// to it from b, sees the connection ESTABLISHED on both nodes, sends on
// b's end and sees a's receive queue take the 12 bytes, then closes b's
// end and sees b in FIN-WAIT and a in CLOSE-WAIT.
func TestTeatestTCP(t *testing.T) {
	w := quietWorld(t, "quickstart")
	w.Virtual.Resume()
	s := startTUI(t, w)
	s.waitText("▶ Interfaces · a", "Sockets · a")
	s.keys("tab", "tab") // Interfaces → Timers → Sockets
	s.waitText("▶ Sockets · a")

	// a listens on 8080 (the backlog keeps its default, 4).
	s.keys("l")
	s.waitText("Listen on TCP on a")
	s.keys("8080", "enter")
	s.waitFor("the listener in the status line", func(scr string) bool {
		return regexp.MustCompile(`^✔ a listen TCP :8080: fd \S+ listening, backlog 4, accepting in the background$`).MatchString(statusLine(scr))
	})
	s.waitFor("a's listener in the Sockets panel", func(scr string) bool {
		return regexp.MustCompile(`\btcp\s+0\.0\.0\.0:8080\s+\*\s+LISTEN\s+0\s+0\b`).MatchString(scr)
	})

	// b connects to it.
	s.keys("2")
	s.waitText("▶ Sockets · b")
	s.keys("o")
	s.waitText("Open a TCP connection from b")
	s.keys("10.0.0.1:8080", "enter")
	// The connect's result and a's accept loop's report ("a fd 4: accepted
	// fd 5 from ...") race for the status line: b's row says which port b
	// got, and the status line shows one or the other.
	established := regexp.MustCompile(`\btcp\s+10\.0\.0\.2:(\d+)\s+10\.0\.0\.1:8080\s+ESTABLISHED\s+0\s+0\b`)
	scr := s.waitFor("b's ESTABLISHED connection", established.MatchString)
	port := established.FindStringSubmatch(scr)[1]
	s.waitFor("the connection or its accept in the status line", func(scr string) bool {
		return regexp.MustCompile(`^(✔ b connect TCP to 10\.0\.0\.1:8080: fd \S+, 10\.0\.0\.2:` + port + ` → 10\.0\.0\.1:8080 ESTABLISHED|a fd \S+: accepted fd \S+ from 10\.0\.0\.2:` + port + `)$`).MatchString(statusLine(scr))
	})
	bEnd := `\btcp\s+10\.0\.0\.2:` + port + `\s+10\.0\.0\.1:8080\s+`
	// a's end has its descriptor once accepted ("—" before).
	aEnd := `\b\d+\s+tcp\s+10\.0\.0\.1:8080\s+10\.0\.0\.2:` + port + `\s+`
	row := func(what, re string) string {
		t.Helper()
		rx := regexp.MustCompile(re)
		return s.waitFor(what, rx.MatchString)
	}

	// a's accept loop took it: a row of its own, ESTABLISHED, nothing
	// queued yet.
	s.keys("1")
	s.waitText("▶ Sockets · a")
	row("a's ESTABLISHED connection", aEnd+`ESTABLISHED\s+0\s+0\b`)

	// b sends "hello netlab" on its connection, selected by a filter.
	s.keys("2")
	s.waitText("▶ Sockets · b")
	s.keys("/", "ESTAB", "enter")
	row("b's connection selected", `▸ \S+\s+`+bEnd+`ESTABLISHED`)
	s.keys("s")
	s.waitFor("the TCP send form", func(scr string) bool {
		return regexp.MustCompile(`Send on b fd \d+ \(TCP to 10\.0\.0\.1:8080\)`).MatchString(scr) &&
			strings.Contains(scr, "hello netlab")
	})
	s.keys("enter")
	s.waitFor("the send's result", func(scr string) bool {
		return regexp.MustCompile(`^✔ b fd \d+: send: 12 B sent$`).MatchString(statusLine(scr))
	})

	// Nobody reads on a: the 12 bytes stay in its receive queue.
	s.keys("1")
	s.waitText("▶ Sockets · a")
	row("12 bytes in a's receive queue", aEnd+`ESTABLISHED\s+0\s+12\b`)

	// b closes its end (a FIN): b waits for a's FIN, a's end is in
	// CLOSE-WAIT with the data still queued.
	s.keys("2")
	s.waitText("▶ Sockets · b")
	row("b's connection still selected", `▸ \S+\s+`+bEnd+`ESTABLISHED`)
	s.keys("x")
	s.waitFor("the close's result", func(scr string) bool {
		return regexp.MustCompile(`^✔ b fd \d+: close$`).MatchString(statusLine(scr))
	})
	s.keys("esc") // the filter would hide it now
	row("b's end in FIN-WAIT", bEnd+`FIN-WAIT-[12]\b`)
	s.keys("1")
	s.waitText("▶ Sockets · a")
	row("a's end in CLOSE-WAIT", aEnd+`CLOSE-WAIT\s+0\s+12\b`)
	s.quit()
}

// TestTeatestDHCP runs dhcp-basic: b's eth0 is BOUND with its lease's
// countdown in the Interfaces panel, and a's DHCP panel shows the lease;
// D releases it from the Interfaces panel (OFF, no address), h starts
// the client again and it is BOUND again, with the lease on a again.
func TestTeatestDHCP(t *testing.T) {
	w := quietWorld(t, "dhcp-basic")
	// The link loses 5%: a lost DHCP message is sent again seconds
	// later. Hours from T1, so nothing happens on its own meanwhile.
	w.Virtual.SetSpeed(20)
	w.Virtual.Resume()
	s := startTUI(t, w)

	aLease := regexp.MustCompile(`\b10\.0\.0\.100\s+02:00:00:00:02:00\s+bound\s+\d+m\d+s\b`)
	s.waitFor("a's lease to b in the DHCP panel", func(scr string) bool {
		return strings.Contains(scr, "DHCP · a · 1 lease(s)") && aLease.MatchString(scr)
	})

	s.keys("2")
	s.waitText("▶ Interfaces · b")
	bound := regexp.MustCompile(`eth0\s+02:00:00:00:02:00\s+10\.0\.0\.100/24\s+1500\s+up\s+up\s+BOUND \d+m\d+s\b`)
	s.waitFor("b's eth0 BOUND with its lease's countdown", bound.MatchString)
	// Select eth0 (below lo).
	s.keys("down")
	s.waitFor("eth0 selected", func(scr string) bool {
		return regexp.MustCompile(`▸ eth0\s+02:00:00:00:02:00`).MatchString(scr)
	})

	// D releases: the client is off and the address is gone.
	s.keys("D")
	s.waitFor("the release's result", func(scr string) bool {
		return statusLine(scr) == "✔ dhcp release b:eth0: OFF"
	})
	scr := s.waitFor("b's eth0 OFF without an address", func(scr string) bool {
		return regexp.MustCompile(`eth0\s+02:00:00:00:02:00\s+\S+\s+1500\s+up\s+up\s+OFF\s`).MatchString(scr)
	})
	if bound.MatchString(scr) || strings.Contains(scr, "10.0.0.100/24") {
		t.Fatalf("b's eth0 kept its lease after the release:\n%s", scr)
	}

	// h starts the client again through its form (every field empty).
	s.keys("h")
	s.waitText("Start the DHCP client of b:eth0")
	s.keys("enter")
	s.waitFor("the start's result", func(scr string) bool {
		return strings.HasPrefix(statusLine(scr), "✔ dhcp start b:eth0")
	})
	s.waitFor("b's eth0 BOUND again", bound.MatchString)

	// The server on a holds the lease again.
	s.keys("1")
	s.waitText("▶ Interfaces · a")
	s.waitFor("a's lease to b in the DHCP panel again", func(scr string) bool {
		return strings.Contains(scr, "DHCP · a · 1 lease(s)") && aLease.MatchString(scr)
	})
	s.quit()
}
