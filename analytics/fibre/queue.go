package fibre

// queue is a binary max-heap of village indices by score, then by smaller index (= smaller id),
// with positions so that a village's score can be raised in place.
type queue struct {
	score []float64 // by village index
	pos   []int32   // position in heap by village index, −1 when absent
	heap  []int32
}

// before reports whether village a comes out of the queue before b.
func (q *queue) before(a, b int32) bool {
	if q.score[a] != q.score[b] {
		return q.score[a] > q.score[b]
	}
	return a < b
}

func (q *queue) push(i int32) {
	q.heap = append(q.heap, i)
	q.pos[i] = int32(len(q.heap) - 1)
	q.up(q.pos[i])
}

// pop removes and returns the first village; the queue must not be empty.
func (q *queue) pop() int32 {
	top, last := q.heap[0], len(q.heap)-1
	q.swap(0, int32(last))
	q.heap = q.heap[:last]
	q.pos[top] = -1
	if last > 0 {
		q.down(0)
	}
	return top
}

// up restores the heap after the score at heap position k rose.
func (q *queue) up(k int32) {
	for k > 0 {
		parent := (k - 1) / 2
		if !q.before(q.heap[k], q.heap[parent]) {
			return
		}
		q.swap(k, parent)
		k = parent
	}
}

func (q *queue) down(k int32) {
	n := int32(len(q.heap))
	for {
		first, l, r := k, 2*k+1, 2*k+2
		if l < n && q.before(q.heap[l], q.heap[first]) {
			first = l
		}
		if r < n && q.before(q.heap[r], q.heap[first]) {
			first = r
		}
		if first == k {
			return
		}
		q.swap(k, first)
		k = first
	}
}

func (q *queue) swap(a, b int32) {
	q.heap[a], q.heap[b] = q.heap[b], q.heap[a]
	q.pos[q.heap[a]], q.pos[q.heap[b]] = a, b
}
