package client

import "github.com/aws/smithy-go/metrics"

// instruments are a client's metric instruments.
type instruments struct {
	duration  metrics.Float64Histogram
	attempts  metrics.Int64Counter
	throttles metrics.Int64Counter
	sent      metrics.Int64Counter
	received  metrics.Int64Counter
}

// newInstruments makes the instruments on m. One that m fails to make is
// a no-op: metrics never fail a call.
func newInstruments(m metrics.Meter) *instruments {
	nop := metrics.NopMeter{}
	in := &instruments{}
	var err error
	if in.duration, err = m.Float64Histogram(MetricCallDuration, unit("s", "Time from the start of an operation call to its end, retries included.")); err != nil {
		in.duration, _ = nop.Float64Histogram(MetricCallDuration)
	}
	counter := func(name, u, desc string) metrics.Int64Counter {
		c, err := m.Int64Counter(name, unit(u, desc))
		if err != nil {
			c, _ = nop.Int64Counter(name)
		}
		return c
	}
	in.attempts = counter(MetricCallAttempts, "{attempt}", "Attempts of operation calls.")
	in.throttles = counter(MetricCallThrottles, "{answer}", "Throttling answers (429, SlowDown and the dialect's other throttle codes).")
	in.sent = counter(MetricBytesSent, "By", "Request body bytes written.")
	in.received = counter(MetricBytesReceived, "By", "Response body bytes read.")
	return in
}

func unit(u, desc string) metrics.InstrumentOption {
	return func(o *metrics.InstrumentOptions) { o.UnitLabel, o.Description = u, desc }
}
