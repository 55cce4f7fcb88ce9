// Embedding: integer ids [L] per sample (as floats: exact below 2^24) to rows of the table
// weight [inputDim, outputDim]. No input gradient (ids are not differentiable); the table's
// gradient adds the rows of repeated ids.
#include <memory>
#include <stdexcept>

#include "dendrite/layer.h"

namespace dendrite {
namespace {

class Embedding : public Layer {
 public:
  explicit Embedding(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.out_shape)) {
    vocab_ = static_cast<size_t>(c.number("inputDim"));
    dim_ = static_cast<size_t>(c.number("outputDim"));
    if (in_size_ * dim_ != out_size_ || vocab_ == 0 || vocab_ > (size_t{1} << 24)) throw std::invalid_argument("inputDim");
    tensors_.push_back(c.tensor("weight", vocab_ * dim_));
  }
  void forward(Device& d, const LayerStep& s) override {
    d.embedding_fwd(s.y, s.x, s.tensors[0], s.rows * in_size_, dim_, vocab_);
  }
  void backward(Device& d, const LayerStep& s) override {
    d.embedding_bwd(s.grads[0], s.x, s.dy, s.rows * in_size_, dim_, vocab_);
  }

 private:
  size_t vocab_, dim_;
};

}  // namespace

std::unique_ptr<Layer> make_embedding(const LayerConfig& c) { return std::make_unique<Embedding>(c); }

}  // namespace dendrite
