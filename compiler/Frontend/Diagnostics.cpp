//===- Diagnostics.cpp - Front-end error reporting ------------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Diagnostics.h"

#include <algorithm>

using namespace dlcc;

bool DiagnosticEngine::countError() {
  if (NumErrors >= ErrorLimit) {
    LastErrorDropped = true;
    return false;
  }
  ++NumErrors;
  LastErrorDropped = false;
  return true;
}

void DiagnosticEngine::error(const Location &Loc, const llvm::Twine &Msg) {
  error(Loc.Loc, Msg);
}

void DiagnosticEngine::error(llvm::SMLoc Loc, const llvm::Twine &Msg,
                             llvm::ArrayRef<llvm::SMRange> Ranges) {
  if (!countError())
    return;
  SrcMgr.PrintMessage(OS, Loc, llvm::SourceMgr::DK_Error, Msg, Ranges);
  if (NumErrors == ErrorLimit)
    OS << "error: too many errors (" << ErrorLimit << "), stopping\n";
}

void DiagnosticEngine::fileError(llvm::StringRef File, const llvm::Twine &Msg) {
  if (!countError())
    return;
  llvm::SMDiagnostic(File, llvm::SourceMgr::DK_Error, Msg.str())
      .print(/*ProgName=*/nullptr, OS);
}

void DiagnosticEngine::note(const Location &Loc, const llvm::Twine &Msg) {
  if (LastErrorDropped || NumErrors == 0)
    return;
  SrcMgr.PrintMessage(OS, Loc.Loc, llvm::SourceMgr::DK_Note, Msg);
}

std::optional<llvm::StringRef>
dlcc::findClosest(llvm::StringRef Name,
                  llvm::ArrayRef<llvm::StringRef> Candidates) {
  // Allow about one typo per three characters (as clang does), and never
  // suggest a name that shares nothing with the misspelled one. Among equally
  // close names, prefer one of the same length (a mistyped letter).
  unsigned MaxDistance = (Name.size() + 2) / 3;
  std::optional<llvm::StringRef> Best;
  unsigned BestDistance = MaxDistance + 1;
  size_t BestLengthDiff = 0;
  for (llvm::StringRef Candidate : Candidates) {
    if (Candidate == Name || Candidate.empty())
      continue;
    unsigned Distance =
        Name.edit_distance(Candidate, /*AllowReplacements=*/true,
                           /*MaxEditDistance=*/MaxDistance);
    if (Distance > MaxDistance || Distance >= Name.size())
      continue;
    size_t LengthDiff = Candidate.size() > Name.size()
                            ? Candidate.size() - Name.size()
                            : Name.size() - Candidate.size();
    if (Distance < BestDistance ||
        (Distance == BestDistance && LengthDiff < BestLengthDiff)) {
      BestDistance = Distance;
      BestLengthDiff = LengthDiff;
      Best = Candidate;
    }
  }
  return Best;
}

std::string dlcc::didYouMean(llvm::StringRef Name,
                             llvm::ArrayRef<llvm::StringRef> Candidates) {
  if (std::optional<llvm::StringRef> Best = findClosest(Name, Candidates))
    return ("; did you mean '" + *Best + "'?").str();
  return "";
}
