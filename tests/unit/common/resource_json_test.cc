#include "common/resource_json.h"

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "chibo/registry/v1/registry.pb.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Protobufs(const Message& message) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json).ok());
  return json;
}

// Fills every field of `message` (and of the messages in it) with values
// that exercise the JSON mapping: escapes, Vietnamese text, negative and
// 64-bit numbers, doubles that need 17 digits, unknown enum numbers,
// Timestamps at every fraction length, empty and longer repeated fields.
class Filler {
 public:
  explicit Filler(uint32_t seed) : random_(seed) {}

  void Fill(Message* message, int depth = 0) {
    const Reflection* r = message->GetReflection();
    const Descriptor* type = message->GetDescriptor();
    if (type->full_name() == "google.protobuf.Timestamp") {
      auto* t = static_cast<google::protobuf::Timestamp*>(message);
      t->set_seconds(Pick<int64_t>({0, 1, 1795333801, 253402300799}));
      t->set_nanos(Pick<int32_t>({0, 123000000, 123456000, 123456789}));
      return;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (Chance(4)) continue;  // left at its default
      if (field->containing_oneof() != nullptr && Chance(2)) continue;
      const int count = field->is_repeated() ? Pick<int>({0, 1, 3}) : 1;
      for (int k = 0; k < count; ++k) Set(message, r, field, depth);
    }
  }

 private:
  template <typename T>
  T Pick(std::vector<T> choices) {
    return choices[std::uniform_int_distribution<size_t>(
        0, choices.size() - 1)(random_)];
  }
  bool Chance(int one_in) {
    return std::uniform_int_distribution<int>(1, one_in)(random_) == 1;
  }
  std::string Text() {
    return Pick<std::string>(
        {"", "Chi bộ Đảng", "a\"b\\c/d", "<script>&amp;</script>",
         "dòng 1\ndòng 2\ttab\r\b\f", std::string("nul\x01\x1f\x7f", 6),
         "\xe2\x80\xa8 \xe2\x80\xa9", "😀 Nguyễn Thị Ánh", "0"});
  }

  void Set(Message* m, const Reflection* r, const FieldDescriptor* f,
           int depth) {
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        const int32_t v = Pick<int32_t>({0, 7, -3, 2147483647});
        rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        const uint32_t v = Pick<uint32_t>({0, 7, 4294967295u});
        rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        const int64_t v =
            Pick<int64_t>({0, 42, -9, std::numeric_limits<int64_t>::max()});
        rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        const uint64_t v = Pick<uint64_t>({0, 42, 18446744073709551615u});
        rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        const double v = Pick<double>(
            {0.0, 1.0, 0.75, 1.0 / 3, 32.0 / 33, -2.5e-7, 1e21, 123456789.0,
             std::nan(""), std::numeric_limits<double>::infinity()});
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        const float v = Pick<float>({0.0f, 0.1f, 1.0f / 3, 1e10f});
        rep ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const bool v = Chance(2);
        rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = f->enum_type();
        const int v = Chance(8)
                          ? 977
                          : e->value(std::uniform_int_distribution<int>(
                                         0, e->value_count() - 1)(random_))
                                ->number();
        rep ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string v = Text();
        rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth > 4) return;
        Fill(rep ? r->AddMessage(m, f) : r->MutableMessage(m, f), depth + 1);
        return;
    }
  }

  std::mt19937 random_;
};

// Every message of the registry and scheduling contracts, filled many
// times: the writer's bytes are protobuf's bytes.
TEST(ResourceJsonTest, PrintsWhatProtobufPrintsForEveryContractMessage) {
  google::protobuf::MessageFactory* factory =
      google::protobuf::MessageFactory::generated_factory();
  int compared = 0;
  for (const google::protobuf::FileDescriptor* file :
       {registry::v1::Member::descriptor()->file(),
        scheduling::v1::MeetingRecord::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      const Descriptor* type = file->message_type(i);
      std::unique_ptr<Message> message(factory->GetPrototype(type)->New());
      EXPECT_EQ(ResourceJson(*message), Protobufs(*message)) << type->name();
      for (uint32_t seed = 1; seed <= 40; ++seed) {
        message->Clear();
        Filler(seed * 7919 + i).Fill(message.get());
        ASSERT_EQ(ResourceJson(*message), Protobufs(*message))
            << type->name() << " seed " << seed;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 1000);
}

TEST(ResourceJsonTest, MessagesWithOtherWellKnownTypesGoThroughProtobuf) {
  registry::v1::UpdateMemberRequest request;  // holds a FieldMask
  request.mutable_update_mask()->add_paths("display_name");
  request.mutable_member()->set_display_name("Lê Văn Tám");
  EXPECT_EQ(ResourceJson(request), Protobufs(request));
}

}  // namespace
}  // namespace chibo
