//! One loaded model's conversation state: the tokens in the KV cache, prefix-reusing prefill,
//! the sampling/streaming loop, context-overflow trimming and the throughput probe.
//!
//! The KV cache holds one llama.cpp sequence per [`CacheSlot`] (the lesson's conversation, and
//! short judge/classifier calls), in one unified pool of cells. Each slot remembers exactly the
//! tokens its sequence holds, so a request decodes only what follows its longest common prefix
//! with that slot's cache, and a judge call never throws the lesson's cache away. A lesson
//! request drops the other slots' caches first, so the lesson's cells are always the front of
//! the pool and its replies are exactly what a fresh cache gives. When the pool
//! cannot hold a request next to the other slots' caches, the least recently used of those is
//! dropped (never the request's own).

use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc::UnboundedSender;

use super::template::{ChatMessage, Role};
use super::utf8::Utf8Stream;
use super::worker::{N_BATCH, PromptFormat, token_text};
use super::{
    CacheSlot, CancelToken, EngineError, GenEvent, GenParams, GenRequest, GenStats, StopReason,
    ThroughputSample,
};

/// The number of cache slots (llama.cpp sequences) a context keeps.
pub(super) const N_SLOTS: usize = CacheSlot::ALL.len();

/// The conversation state of one context.
pub(super) struct Session<'m> {
    pub(super) model: &'m LlamaModel,
    pub(super) format: &'m PromptFormat,
    pub(super) ctx: LlamaContext<'m>,
    pub(super) batch: LlamaBatch<'static>,
    /// Per slot, the tokens whose keys/values are in that slot's sequence, in order. Exactly what
    /// the KV cache holds: a token is pushed only once it has been decoded.
    pub(super) cached: [Vec<LlamaToken>; N_SLOTS],
    /// The most tokens one slot may hold (the context the user asked for).
    pub(super) slot_ctx: usize,
    /// When each slot was last used (a request counter), to choose which cache to drop.
    pub(super) last_used: [u64; N_SLOTS],
    pub(super) clock: u64,
}

fn gen_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Generation(e.to_string())
}

/// The llama.cpp sequence id of slot `s`.
fn seq(s: usize) -> i32 {
    i32::try_from(s).unwrap_or(0)
}

impl Session<'_> {
    /// Forgets every slot's cache.
    pub(super) fn reset(&mut self) {
        self.ctx.clear_kv_cache();
        for c in &mut self.cached {
            c.clear();
        }
    }

    /// The cells of the unified KV pool shared by all slots.
    fn pool(&self) -> usize {
        self.ctx.n_ctx() as usize
    }

    /// The most tokens one slot may hold.
    fn n_ctx(&self) -> usize {
        self.slot_ctx.min(self.pool())
    }

    /// Cells kept free for the reply after the prompt.
    fn reserve(&self, max_tokens: u32) -> usize {
        (max_tokens as usize).min(self.n_ctx() / 2).max(1)
    }

    /// Drops slot `s`'s cache from position `keep` on; returns how many tokens it still holds
    /// (0 when the model's memory cannot drop part of a sequence, e.g. a recurrent model).
    fn truncate(&mut self, s: usize, keep: usize) -> Result<usize, EngineError> {
        if keep >= self.cached[s].len() {
            return Ok(self.cached[s].len());
        }
        let p0 = u32::try_from(keep).map_err(gen_err)?;
        let seq_id = u32::try_from(s).map_err(gen_err)?;
        let partial = keep > 0
            && self
                .ctx
                .clear_kv_cache_seq(Some(seq_id), Some(p0), None)
                .map_err(gen_err)?;
        if partial {
            self.cached[s].truncate(keep);
        } else {
            self.ctx
                .clear_kv_cache_seq(Some(seq_id), None, None)
                .map_err(gen_err)?;
            self.cached[s].clear();
        }
        Ok(self.cached[s].len())
    }

    /// Makes room in the pool for `need` more cells on slot `s` (which will keep `keep` tokens),
    /// dropping the least recently used other slots' caches while the pool is too small.
    fn make_room(&mut self, s: usize, keep: usize, need: usize) -> Result<(), EngineError> {
        loop {
            let others: usize = (0..N_SLOTS)
                .filter(|&o| o != s)
                .map(|o| self.cached[o].len())
                .sum();
            if others + keep + need <= self.pool() {
                return Ok(());
            }
            let Some(victim) = (0..N_SLOTS)
                .filter(|&o| o != s && !self.cached[o].is_empty())
                .min_by_key(|&o| self.last_used[o])
            else {
                return Ok(());
            };
            tracing::debug!(
                slot = victim,
                tokens = self.cached[victim].len(),
                "KV pool full: dropping another slot's cache"
            );
            self.truncate(victim, 0)?;
        }
    }

    /// Drops every other slot's cache before the lesson decodes, so that the lesson's cells are
    /// always cells `0..len` of the pool with nothing else in it, exactly as in a fresh cache.
    ///
    /// In the unified pool llama.cpp places a sequence's new cells in the first free ones, so a
    /// judge call's cells would otherwise sit between the lesson's old and new cells; attention
    /// then sums over the cells in another order and grouping, and greedy replies drift from what
    /// a fresh cache gives (measured: 18 tokens in). The aux slot's cache thus lives until the
    /// next lesson request: consecutive judge/classifier calls still share their prefix, and
    /// the lesson's cache survives them.
    fn keep_lesson_in_front(&mut self) -> Result<(), EngineError> {
        let lesson = CacheSlot::Lesson.index();
        for o in (0..N_SLOTS).filter(|&o| o != lesson) {
            if !self.cached[o].is_empty() {
                self.truncate(o, 0)?;
            }
        }
        Ok(())
    }

    /// Tokens in the KV pool, all slots together.
    fn used(&self) -> usize {
        self.cached.iter().map(Vec::len).sum()
    }

    fn tokenize(&self, text: &str) -> Vec<LlamaToken> {
        let vocab = self.model.vocab();
        let bos_text = token_text(self.model, vocab.bos());
        let add_bos =
            vocab.should_add_bos() && (bos_text.is_empty() || !text.starts_with(&bos_text));
        vocab.tokenize(text.as_bytes(), add_bos, true)
    }

    /// Renders and tokenizes the conversation, dropping the oldest whole turns (never system
    /// messages, never the last message) until prompt + reply fit in the context.
    fn fit_prompt(&self, messages: &[ChatMessage], max_tokens: u32) -> (Vec<LlamaToken>, usize) {
        let n_ctx = self.n_ctx();
        let budget = n_ctx - self.reserve(max_tokens);
        let mut msgs = messages.to_vec();
        let mut dropped = 0;
        loop {
            let tokens = self.tokenize(&self.format.render(self.model, &msgs));
            if tokens.len() <= budget {
                if dropped > 0 {
                    tracing::info!(
                        dropped,
                        prompt_tokens = tokens.len(),
                        n_ctx,
                        "context full: dropped oldest turns"
                    );
                }
                return (tokens, dropped);
            }
            let last = msgs.len().saturating_sub(1);
            if let Some(i) = msgs
                .iter()
                .position(|m| m.role != Role::System)
                .filter(|&i| i < last)
            {
                msgs.remove(i);
                dropped += 1;
                // Keep the conversation starting with a user turn after the system prompt.
                while let Some(j) = msgs.iter().position(|m| m.role != Role::System)
                    && j < msgs.len() - 1
                    && msgs[j].role == Role::Assistant
                {
                    msgs.remove(j);
                    dropped += 1;
                }
                continue;
            }
            // Only the system prompt and the latest message are left: keep the latest message's
            // end (what the student just said) and cut from the front of the longest message.
            let longest = (0..msgs.len())
                .max_by_key(|&i| msgs[i].content.len())
                .unwrap_or(0);
            let content = &msgs[longest].content;
            let cut = content.len() - content.len() * 3 / 4;
            let cut = (cut..content.len())
                .find(|&i| content.is_char_boundary(i))
                .unwrap_or(content.len());
            if cut >= content.len() {
                tracing::warn!("prompt cannot fit the context even when emptied");
                let mut t = tokens;
                t.drain(..t.len() - budget);
                return (t, dropped);
            }
            msgs[longest].content = content[cut..].to_string();
            tracing::info!(message = longest, "context full: shortened a message");
        }
    }

    /// Decodes `tokens` after what slot `s` holds, requesting logits for the last one.
    fn prefill(&mut self, s: usize, tokens: &[LlamaToken]) -> Result<(), EngineError> {
        let n = tokens.len();
        for (c, chunk) in tokens.chunks(N_BATCH as usize).enumerate() {
            self.batch.clear();
            let start = c * N_BATCH as usize;
            for (i, &t) in chunk.iter().enumerate() {
                let pos = i32::try_from(self.cached[s].len() + i).map_err(gen_err)?;
                self.batch
                    .add(t, pos, &[seq(s)], start + i + 1 == n)
                    .map_err(gen_err)?;
            }
            self.ctx.decode(&mut self.batch).map_err(gen_err)?;
            self.cached[s].extend_from_slice(chunk);
        }
        Ok(())
    }

    /// The number of tokens `messages` make as a prompt (rendered and tokenized exactly as a
    /// request's prompt, without fitting it to the context).
    pub(super) fn count_prompt_tokens(&self, messages: &[ChatMessage]) -> usize {
        self.tokenize(&self.format.render(self.model, messages))
            .len()
    }

    fn sampler(&self, p: &GenParams) -> Result<LlamaSampler, EngineError> {
        let mut chain = Vec::new();
        if let Some(g) = &p.grammar {
            chain.push(
                LlamaSampler::grammar(self.model, g, "root")
                    .map_err(|e| EngineError::Grammar(e.to_string()))?,
            );
        }
        if p.repeat_penalty != 1.0 {
            chain.push(LlamaSampler::penalties(
                self.model.n_vocab(),
                p.repeat_last_n,
                p.repeat_penalty,
                0.0,
                0.0,
            ));
        }
        if p.temperature <= 0.0 {
            chain.push(LlamaSampler::greedy());
        } else {
            chain.push(LlamaSampler::top_k(40));
            chain.push(LlamaSampler::top_p(p.top_p, 1));
            chain.push(LlamaSampler::min_p(p.min_p, 1));
            chain.push(LlamaSampler::temp(p.temperature));
            chain.push(LlamaSampler::dist(p.seed));
        }
        Ok(LlamaSampler::chain_simple(chain))
    }

    pub(super) fn generate(
        &mut self,
        req: &GenRequest,
        events: &UnboundedSender<GenEvent>,
        cancel: &CancelToken,
    ) -> Result<GenStats, EngineError> {
        let started = Instant::now();
        let p = &req.params;
        let s = req.slot.index();
        self.clock += 1;
        self.last_used[s] = self.clock;
        let (prompt, dropped) = self.fit_prompt(&req.messages, p.max_tokens);
        // Longest common prefix with what this slot's cache holds; at least one token must be
        // decoded to get fresh logits.
        let lcp = self.cached[s]
            .iter()
            .zip(&prompt)
            .take_while(|(a, b)| a == b)
            .count()
            .min(prompt.len().saturating_sub(1));
        if s == CacheSlot::Lesson.index() {
            self.keep_lesson_in_front()?;
        }
        let reserve = self.reserve(p.max_tokens);
        self.make_room(s, lcp, prompt.len() - lcp + reserve)?;
        let lcp = self.truncate(s, lcp)?;
        self.prefill(s, &prompt[lcp..])?;
        let prefill_ms = ms(started);
        let mut sampler = self.sampler(p)?;
        let tail = prompt.len().saturating_sub(p.repeat_last_n.max(0) as usize);
        if p.grammar.is_none() {
            sampler.accept_many(&prompt[tail..]);
        }
        let mut stats = GenStats {
            prompt_tokens: prompt.len(),
            reused_tokens: lcp,
            prefill_tokens: prompt.len() - lcp,
            prefill_ms,
            dropped_messages: dropped,
            ..GenStats::default()
        };
        let stop = self.decode_loop(s, &mut sampler, p, events, cancel, started, &mut stats)?;
        stats.stop = Some(stop);
        stats.generation_ms = ms(started) - stats.ttft_ms;
        Ok(stats)
    }

    /// Samples, streams and decodes tokens on slot `s` until a stop rule fires. The last
    /// sampled token is never decoded, so the slot's cache ends at the last decoded one.
    #[allow(clippy::too_many_arguments)]
    fn decode_loop(
        &mut self,
        s: usize,
        sampler: &mut LlamaSampler,
        p: &GenParams,
        events: &UnboundedSender<GenEvent>,
        cancel: &CancelToken,
        started: Instant,
        stats: &mut GenStats,
    ) -> Result<StopReason, EngineError> {
        let vocab = self.model.vocab();
        let mut utf8 = Utf8Stream::new();
        let mut text = String::new();
        let mut sent = 0usize;
        let mut logits_idx = self.batch.n_tokens() - 1;
        let max_stop = p.stop.iter().map(String::len).max().unwrap_or(0);
        let reason = loop {
            if cancel.is_cancelled() {
                break StopReason::Cancelled;
            }
            let token = sampler.sample(&self.ctx, logits_idx);
            if stats.generated_tokens == 0 {
                stats.ttft_ms = ms(started);
            }
            if vocab.is_eog(token) {
                break StopReason::EndOfGeneration;
            }
            stats.generated_tokens += 1;
            stats.tokens.push(token.0);
            text.push_str(&utf8.push(&vocab.token_to_piece(token, false, None)));
            if let Some(at) = p.stop.iter().filter_map(|s| text.find(s.as_str())).min() {
                text.truncate(at);
                flush(events, &text, &mut sent);
                break StopReason::StopString;
            }
            // Hold back what could still become the start of a stop string.
            let safe = floor_boundary(&text, text.len().saturating_sub(max_stop.saturating_sub(1)));
            flush(events, &text[..safe], &mut sent);
            if stats.generated_tokens >= p.max_tokens as usize {
                break StopReason::MaxTokens;
            }
            if self.cached[s].len() + 1 >= self.n_ctx() || self.used() + 1 >= self.pool() {
                break StopReason::ContextFull;
            }
            self.batch.clear();
            let pos = i32::try_from(self.cached[s].len()).map_err(gen_err)?;
            self.batch
                .add(token, pos, &[seq(s)], true)
                .map_err(gen_err)?;
            self.ctx.decode(&mut self.batch).map_err(gen_err)?;
            self.cached[s].push(token);
            logits_idx = 0;
        };
        if reason != StopReason::StopString {
            text.push_str(&utf8.finish());
            flush(events, &text, &mut sent);
        }
        Ok(reason)
    }

    pub(super) fn throughput(
        &mut self,
        n_prompt: usize,
        n_gen: usize,
    ) -> Result<ThroughputSample, EngineError> {
        use rand::Rng;
        self.reset();
        let n_vocab = self.model.n_vocab();
        let mut rng = rand::rng();
        let prompt: Vec<LlamaToken> = (0..n_prompt)
            .map(|_| LlamaToken(rng.random_range(0..n_vocab)))
            .collect();
        let t0 = Instant::now();
        self.prefill(0, &prompt)?;
        self.ctx.synchronize();
        let pp = n_prompt as f64 / t0.elapsed().as_secs_f64();
        // Generation through the app's own loop (sampling, detokenizing, streaming), with end-of-
        // generation tokens masked out so that exactly `n_gen` tokens are produced.
        let eog: Vec<_> = (0..n_vocab)
            .map(LlamaToken)
            .filter(|&t| self.model.vocab().is_eog(t))
            .map(|t| llama_cpp_2::token::logit_bias::LlamaLogitBias::new(t, f32::NEG_INFINITY))
            .collect();
        let mut sampler = LlamaSampler::chain_simple([
            LlamaSampler::logit_bias(n_vocab, &eog),
            LlamaSampler::greedy(),
        ]);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let p = GenParams {
            max_tokens: u32::try_from(n_gen).unwrap_or(u32::MAX),
            ..GenParams::greedy(0)
        };
        let mut stats = GenStats::default();
        let t1 = Instant::now();
        self.decode_loop(
            0,
            &mut sampler,
            &p,
            &tx,
            &CancelToken::default(),
            t1,
            &mut stats,
        )?;
        // The first token's logits came from the prompt; n_gen - 1 decodes followed.
        let tg = stats.generated_tokens as f64 / t1.elapsed().as_secs_f64();
        Ok(ThroughputSample {
            pp_tokens_per_s: pp,
            tg_tokens_per_s: tg,
        })
    }
}

fn flush(events: &UnboundedSender<GenEvent>, text: &str, sent: &mut usize) {
    if text.len() > *sent {
        let _ = events.send(GenEvent::Token(text[*sent..].to_string()));
        *sent = text.len();
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
