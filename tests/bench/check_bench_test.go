package main

import (
	"runtime"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// checkBatch is the batch the check benchmarks prepare at a time: under the size from which Prepare
// spreads a batch over several goroutines, so an op is one core's work.
const checkBatch = 256

// benchBatches are a few batches of the corpus, from far apart in a million-torrent run.
func benchBatches(shape Shape) [][]ingest.Item {
	c := NewShapedCorpus(1, shape)
	var out [][]ingest.Item
	for _, at := range []int{0, 125_000, 250_000, 375_000, 500_000, 625_000, 750_000, 875_000} {
		out = append(out, c.Batch(at, checkBatch))
	}
	return out
}

// BenchmarkPrepare is the ingest's check of each torrent (ingest.Service.Prepare on one goroutine:
// the item read into a torrent, domain's Normalize and ParseRelease), what a bulk load spends on
// a torrent besides the store. An op is a batch of checkBatch torrents; ns/torrent is an op's share.
func BenchmarkPrepare(b *testing.B) {
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{Logger: quiet})
	svc := ingest.NewService(memory.NewCatalog(ports.SystemClock{}).Torrents(), metainfo.NewDecoder(), cache, ports.SystemClock{}, quiet)
	for _, shape := range Shapes {
		b.Run(string(shape), func(b *testing.B) {
			batches := benchBatches(shape)
			b.ReportAllocs()
			defer reportThreadCPU(b)()
			i := 0
			for b.Loop() {
				if _, err := svc.Prepare(batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*checkBatch), "ns/torrent")
		})
	}
}

// BenchmarkParseReleaseCorpus parses the corpus's names, one an op.
func BenchmarkParseReleaseCorpus(b *testing.B) {
	for _, shape := range Shapes {
		b.Run(string(shape), func(b *testing.B) {
			var names []string
			for _, batch := range benchBatches(shape) {
				for _, item := range batch {
					names = append(names, item.Name)
				}
			}
			b.ReportAllocs()
			defer reportThreadCPU(b)()
			i := 0
			for b.Loop() {
				domain.ParseRelease(names[i%len(names)])
				i++
			}
		})
	}
}

// reportThreadCPU locks the benchmark to its thread and, when called back, reports the thread's CPU
// time an op (cpu-ns/op): the machine's other work stretches an op's wall time far more than its CPU
// time. The GC's background workers run on other threads, so their share is not in it.
func reportThreadCPU(b *testing.B) func() {
	runtime.LockOSThread()
	start := threadCPU()
	return func() {
		b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		runtime.UnlockOSThread()
	}
}
