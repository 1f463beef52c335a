#pragma once

// RFC 3339 timestamps as the Kubernetes API writes them (metav1.Time:
// "2024-05-01T12:00:00Z"; metav1.MicroTime adds six fractional digits): the
// same code Atrium reads them with (base/time_format.h), and the short ages
// `kubectl get` shows ("45s", "3m12s", "5h", "12d").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/time_format.h"

namespace atrium::testing {

using base::FormatMicroTime;
using base::FormatTime;
using base::ParseTime;

// HumanDuration renders an age the way k8s.io/apimachinery's
// duration.HumanDuration does.
std::string HumanDuration(std::chrono::seconds age);

}  // namespace atrium::testing
