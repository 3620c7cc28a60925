/**
 * The OpenAI stream map with `tolerant: true`: a stream that ends without
 * `[DONE]` is clean when every choice sent its finish reason (older llama.cpp
 * and Ollama builds), and a JSON answer to a stream request (a server that
 * ignored `stream: true`) is replayed as chunks by the adapter.
 */
export { translateOpenAIStream as translateCompatibleStream } from "../openai/stream";
