//===- Diagnostics.h - Front-end error reporting ----------------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Source locations and the diagnostic engine of the front end. Every error a
/// user can cause is printed through llvm::SourceMgr::PrintMessage, which
/// gives `file:line:col: error: message`, the source line and a caret.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_DIAGNOSTICS_H
#define DLCC_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace dlcc {

/// A position in a `.dl` file. `File` is the identifier of the buffer in the
/// llvm::SourceMgr that owns the text, so it lives as long as that manager.
/// `Line` and `Col` are 1-based (columns count bytes); `Loc` points into the
/// buffer so diagnostics can print the source line with a caret.
struct Location {
  llvm::StringRef File;
  unsigned Line = 0;
  unsigned Col = 0;
  llvm::SMLoc Loc;

  bool isValid() const { return Loc.isValid(); }
};

/// Prints errors and notes through a SourceMgr, counts errors and stops
/// printing after a limit, so a badly broken file does not flood the terminal.
class DiagnosticEngine {
public:
  /// The default number of errors after which the front end gives up.
  static constexpr unsigned DefaultErrorLimit = 20;

  explicit DiagnosticEngine(llvm::SourceMgr &SrcMgr,
                            llvm::raw_ostream &OS = llvm::errs(),
                            unsigned ErrorLimit = DefaultErrorLimit)
      : SrcMgr(SrcMgr), OS(OS), ErrorLimit(ErrorLimit) {}

  /// Reports an error at `Loc`.
  void error(const Location &Loc, const llvm::Twine &Msg);
  /// Reports an error at `Loc`, underlining `Range`.
  void error(llvm::SMLoc Loc, const llvm::Twine &Msg,
             llvm::ArrayRef<llvm::SMRange> Ranges = {});
  /// Reports an error about a whole file (`file: error: message`), for
  /// problems that have no position, such as a main file that cannot be read.
  void fileError(llvm::StringRef File, const llvm::Twine &Msg);
  /// Attaches a note to the last error; dropped if that error was dropped.
  void note(const Location &Loc, const llvm::Twine &Msg);

  unsigned getNumErrors() const { return NumErrors; }
  bool hasErrors() const { return NumErrors != 0; }
  /// True once the error limit was reached: callers should stop early.
  bool shouldStop() const { return NumErrors >= ErrorLimit; }

  llvm::SourceMgr &getSourceMgr() const { return SrcMgr; }

private:
  /// Counts an error; returns false when it must not be printed.
  bool countError();

  llvm::SourceMgr &SrcMgr;
  llvm::raw_ostream &OS;
  unsigned ErrorLimit;
  unsigned NumErrors = 0;
  bool LastErrorDropped = false;
};

/// Returns the candidate closest to `Name` by edit distance when it is close
/// enough to be a likely typo, for "did you mean 'xyz'?" hints.
std::optional<llvm::StringRef>
findClosest(llvm::StringRef Name, llvm::ArrayRef<llvm::StringRef> Candidates);

/// Returns "; did you mean 'xyz'?" for the closest candidate, or "".
std::string didYouMean(llvm::StringRef Name,
                       llvm::ArrayRef<llvm::StringRef> Candidates);

} // namespace dlcc

#endif // DLCC_FRONTEND_DIAGNOSTICS_H
